/**
 * One true positive and one near miss per rule of the table, checked twice: the
 * rule's own regex (it is the rule that catches it) and the whole `redactText`
 * (the secret is gone; the near miss comes back unchanged, so no other rule
 * over-masks it). Plus a timing check of every rule on adversarial input built
 * from its keywords.
 */
import { describe, expect, test } from "bun:test";
import { REDACTED, redactText } from "./redact.ts";
import { SECRET_RULES } from "./secret-rules.ts";

// Fake secrets are assembled from pieces so this file is not itself a scanner finding.
const hex = (n: number) => "0123456789abcdef".repeat(Math.ceil(n / 16)).slice(0, n);
const alnum = (n: number) => "Xk9fQ2mL7pR4vT8wZ3yB6nD1hJ5sG0cAeFiMoUqWt".repeat(Math.ceil(n / 42)).slice(0, n);
const lower = (n: number) => "qwertyuiopasdfghjklzxcvbnm".repeat(Math.ceil(n / 26)).slice(0, n);

interface Case {
  /** Text holding a secret; `secret` must not survive redaction. */
  tp: string;
  secret: string;
  /** A near miss: left exactly as it is. */
  tn: string;
}

const JWT = ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"].join(".");

const CASES: Record<string, Case> = {
  "private-key": {
    tp: `key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkgq${alnum(40)}\n-----END EC PRIVATE KEY-----\ndone`,
    secret: `MHcCAQEEIBkgq`,
    tn: "see -----begin rsa private key----- (lower case is not armour)",
  },
  jwt: { tp: `token ${JWT} end`, secret: "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", tn: "eyJhbGciOiJIUzI1NiJ9 is a header alone, no payload" },
  "jwt-base64": { tp: `b64 ZXlKaGJHY2lPaUpJVXpJMU5pSXNJblI1Y0NJNklrcFhWQ0o5${alnum(10)}`, secret: "JVXpJMU5pSXNJblI1Y0NJNklrcFhWQ0o5", tn: "ZXlKaGJHY2lPaU short" },
  "aws-access-token": { tp: `aws_key_id ${"ASIA"}Y34FZKBOKMUTVV7A in use`, secret: "Y34FZKBOKMUTVV7A", tn: `id ${"AKIA"}IOSFODNN7EXAMPL (15 after the prefix)` },
  "github-token": { tp: `cloning with ${"ghp_"}${alnum(36)}`, secret: alnum(36), tn: "ghp_short123 is too short" },
  "github-fine-grained-pat": { tp: `${"github_pat_"}11ABCDEFG0_${alnum(59)}`, secret: alnum(59), tn: "github_pat_abc" },
  "gitlab-token": { tp: `GITLAB ${"glpat-"}${alnum(20)}`, secret: alnum(20), tn: "glpat-short and gloat-over-a-long-word" },
  "slack-token": { tp: `slack ${"xoxb-"}1234567890-1234567890123-${alnum(24)}`, secret: alnum(24), tn: "xoxb-123 and xoxo hugs" },
  "slack-webhook-url": { tp: `POST https://hooks.slack.com/services/T0000/B0000/${alnum(24)}`, secret: alnum(24), tn: "see https://hooks.slack.com/services/help" },
  "stripe-access-token": { tp: `charge with ${"sk_live_"}${alnum(24)}`, secret: alnum(24), tn: "sk_live_abc is a placeholder" },
  "gcp-api-key": { tp: `maps ${"AIza"}SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY`, secret: "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", tn: "AIzaShort" },
  "anthropic-api-key": { tp: `${"sk-ant-"}api03-${alnum(93)}AA`, secret: alnum(93), tn: "sk-ant-api03-short" },
  "openai-api-key": { tp: `OPENAI ${"sk-proj-"}${alnum(48)}`, secret: alnum(48), tn: "the task-abcdefghijklmnopqrstuvwxyz is queued" },
  "npm-access-token": { tp: `//registry.npmjs.org/:_auth ${"npm_"}${alnum(36)}`, secret: alnum(36), tn: "npm_config_registry is set" },
  "pypi-upload-token": { tp: `${"pypi-"}AgEIcHlwaS5vcmc${alnum(60)}`, secret: alnum(60), tn: "pypi-AgEIcHlwaS5vcmcShort" },
  "huggingface-access-token": { tp: `HF ${"hf_"}${lower(34)}`, secret: lower(34), tn: "from hf_hub_download import x" },
  "digitalocean-token": { tp: `doctl ${"dop_v1_"}${hex(64)}`, secret: hex(64), tn: `dop_v1_${hex(10)}` },
  "databricks-api-token": { tp: `host ${"dapi"}${hex(32)}`, secret: hex(32), tn: `dapi${hex(12)} and the rapid api` },
  "sendgrid-api-token": { tp: `mail ${"SG."}${alnum(22)}.${alnum(43)}`, secret: alnum(43), tn: "SG.short and S.G. Smith" },
  "shopify-token": { tp: `shop ${"shpat_"}${hex(32)}`, secret: hex(32), tn: "shpat_xyz" },
  "twilio-api-key": { tp: `twilio ${"SK"}${hex(32)}`, secret: hex(32), tn: `SK${hex(31)} (31 hex)` },
  "vault-token": { tp: `VAULT ${"hvs."}${alnum(95)}`, secret: alnum(95), tn: "hvs.short" },
  "age-secret-key": { tp: `${"AGE-SECRET-KEY-1"}${"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".repeat(2).slice(0, 58)}`, secret: "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", tn: "AGE-SECRET-KEY-1QPZRY9X8GF" },
  "grafana-token": { tp: `grafana ${"glsa_"}${alnum(32)}_${hex(8)}`, secret: alnum(32), tn: "glsa_short and glc_ alone" },
  "linear-api-key": { tp: `linear ${"lin_api_"}${alnum(40)}`, secret: alnum(40), tn: "lin_api_short" },
  "doppler-api-token": { tp: `doppler ${"dp.pt."}${alnum(43)}`, secret: alnum(43), tn: "dp.pt.short" },
  "pulumi-api-token": { tp: `PULUMI ${"pul-"}${hex(40)}`, secret: hex(40), tn: `pul-${hex(12)} and pull-requests` },
  "planetscale-token": { tp: `${"pscale_tkn_"}${alnum(40)}`, secret: alnum(40), tn: "pscale_tkn_short" },
  "postman-api-token": { tp: `${"PMAK-"}${hex(24)}-${hex(34)}`, secret: hex(34), tn: `PMAK-${hex(24)}` },
  "sentry-token": { tp: `sentry ${"sntryu_"}${hex(64)}`, secret: hex(64), tn: `sntryu_${hex(20)}` },
  "rubygems-api-token": { tp: `gem ${"rubygems_"}${hex(48)}`, secret: hex(48), tn: "rubygems_version 3.4" },
  "heroku-api-key-v2": { tp: `${"HRKU-AA"}${alnum(58)}`, secret: alnum(58), tn: "HRKU-AAshort" },
  "perplexity-api-key": { tp: `${"pplx-"}${alnum(48)}`, secret: alnum(48), tn: "pplx-short" },
  "notion-api-token": { tp: `${"ntn_"}12345678901${alnum(35)}`, secret: alnum(35), tn: "ntn_abc" },
  "flyio-access-token": { tp: `FLY ${"fo1_"}${alnum(43)}`, secret: alnum(43), tn: "fo1_short" },
  "azure-ad-client-secret": { tp: `secret abc8${"Q~"}${alnum(34)}`, secret: alnum(34), tn: "abc8Q~short" },
  "square-access-token": { tp: `square ${"sq0atp-"}${alnum(22)}`, secret: alnum(22), tn: "sq0atp-short" },
  "facebook-page-access-token": { tp: `fb ${"EAAM"}${alnum(110)}`, secret: alnum(110), tn: `EAAM${alnum(20)}` },
  "1password-service-account-token": { tp: `OP ${"ops_eyJ"}${alnum(260)}`, secret: alnum(260), tn: "ops_eyJshort" },
  "openshift-user-token": { tp: `oc login ${"sha256~"}${alnum(43)}`, secret: alnum(43), tn: "sha256~abc" },
  "dynatrace-api-token": { tp: `${"dt0c01."}${alnum(24)}.${alnum(64)}`, secret: alnum(64), tn: `dt0c01.${alnum(24)}.short` },
  "authorization-header": { tp: "Authorization: Bearer abc.def-ghi_jkl", secret: "abc.def-ghi_jkl", tn: "authorization required for this route" },
  "bearer-token": { tp: "sent Bearer tok_9f8e7d6c5b ok", secret: "tok_9f8e7d6c5b", tn: "the bearer of bad news, Bearer short" },
  "cookie-header": { tp: "Cookie: sid=s3ss10nvalue; theme=dark", secret: "s3ss10nvalue", tn: "cookies: 3 eaten" },
  "curl-auth-user": { tp: "curl -u alice:s3cretPw https://example.com", secret: "s3cretPw", tn: "curl -u alice https://example.com" },
  "url-credentials": { tp: "cloning https://alice:s3cr3t@example.com/r.git", secret: "s3cr3t", tn: "https://example.com:8080/pkg@1.2.0" },
  "secret-assignment-quoted": { tp: '{"password": "correct horse battery staple"}', secret: "correct horse", tn: '{"username": "correct horse battery staple"}' },
  "secret-assignment": { tp: "db password=hunter2 host=x", secret: "hunter2", tn: "password reset done; pass the salt" },
  "generic-api-key": { tp: `STRIPE_KEY=${alnum(24)}`, secret: alnum(24), tn: "cache key: aaaaaaaaaaaaaaaa and keyboard=en_US.UTF-8" },
  "hex-64": { tp: `nonce ${hex(64)} end`, secret: hex(64), tn: "commit 3f786850e387550fdab836ed7e6dc881de23001b" },
};

const matches = (re: RegExp, s: string) => new RegExp(re.source, re.flags).test(s);

test("every rule has exactly one case here, and ids are unique", () => {
  const ids = SECRET_RULES.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(Object.keys(CASES).sort()).toEqual([...ids].sort());
});

describe("each rule: a true positive and a near miss", () => {
  for (const rule of SECRET_RULES) {
    test(`${rule.id}: ${rule.description}`, () => {
      const c = CASES[rule.id]!;
      expect(c.tp).toContain(c.secret);
      expect(matches(rule.regex, c.tp)).toBe(true);
      const out = redactText(c.tp);
      expect(out).not.toContain(c.secret);
      expect(out).toContain(REDACTED);
      // An entropy rule's near miss has the shape; its low entropy is what spares it.
      expect(matches(rule.regex, c.tn)).toBe(rule.entropy !== undefined);
      expect(redactText(c.tn)).toBe(c.tn);
    });
  }
});

test("the JWT rule also masks a JWT that is not a bearer token (and keeps its context)", () => {
  expect(redactText(`session=${JWT}; Path=/`)).toBe(`session=${REDACTED}; Path=/`);
  expect(redactText(`{"id_token":"${JWT}"}`)).toBe(`{"id_token":"${REDACTED}"}`);
  expect(redactText(`alg none: ${JWT.split(".").slice(0, 2).join(".")}. done`)).toBe(`alg none: ${REDACTED} done`);
});

test("a PEM block is masked whole: body and END line, not only BEGIN", () => {
  const pem = `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${alnum(60)}\n${alnum(64)}==\n-----END RSA PRIVATE KEY-----`;
  const out = redactText(`before\n${pem}\nafter`);
  expect(out).toBe(`before\n${REDACTED}\nafter`);
});

test("every rule stays linear on adversarial input built from its keywords", () => {
  // 128 KiB per input, each rule alone. A quadratic rule takes seconds here (the old
  // key-name rule: 32 s); linear ones take a few milliseconds. The bound only catches that.
  const N = 128 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
  const slow: string[] = [];
  for (const rule of SECRET_RULES) {
    for (const k of rule.keywords.length ? rule.keywords : ["a1"]) {
      for (const input of [fill(`${k}-`), fill(`-${k}a`), fill(`${k}'`), fill(`${k}=a`), fill(k.toUpperCase() + "."), `${k}${fill("a")}`, `${k}=${fill("a-")}`]) {
        const re = new RegExp(rule.regex.source, rule.regex.flags);
        const t = performance.now();
        input.replace(re, "");
        const ms = performance.now() - t;
        if (ms > 400) slow.push(`${rule.id} on ${JSON.stringify(input.slice(0, 24))}…: ${Math.round(ms)} ms`);
      }
    }
  }
  expect(slow).toEqual([]);
});
