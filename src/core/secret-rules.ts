/**
 * The secret-shape rules behind `redactText` (src/core/redact.ts), as data.
 *
 * Reference: gitleaks' default configuration (config/gitleaks.toml, MIT), the
 * maintained rule set most secret scanners follow. Its self-identifying token
 * rules (a fixed prefix such as `ghp_`, `glpat-`, `AKIA`) are adopted one by
 * one (`gitleaks` names the ids each rule covers); its context rules ("a
 * 32-char value near the word adafruit") are covered by our key=value rules
 * and by `generic-api-key`. Deliberate differences:
 *  - lengths are lower bounds where gitleaks has exact counts: redaction
 *    prefers masking a token of a slightly different shape to leaking it;
 *  - gitleaks' entropy filters are dropped for prefixed tokens (a false
 *    positive costs a masked word in a log), kept for `generic-api-key`;
 *  - every regex is rewritten for a backtracking engine (gitleaks runs RE2).
 *
 * Linear-time invariants (JavaScript regexes backtrack; agent output is
 * hostile input — a previous rule took 32 s on 128 KiB):
 *  1. No nested or adjacent unbounded quantifiers over overlapping classes.
 *  2. A rule starts at a literal (its prefix) or right after a character that
 *     cannot belong to its first run — `(?<![class])`, not `\b`, when the run
 *     includes `-` or `.` — so each maximal run is entered at most once.
 *  3. Prefixes before a key name are bounded (`{0,64}`), never `*`.
 * `redact.test.ts` times every rule on adversarial input built from its keywords.
 */

export interface SecretRule {
  /** Stable id; the gitleaks id when the rule is one of theirs. */
  id: string;
  description: string;
  /**
   * Lower-case literals; the rule runs only on text containing one of them
   * (gitleaks' keyword prefilter: most lines skip most rules). Empty: always runs.
   */
  keywords: readonly string[];
  /**
   * Global regex. Its match is replaced by `[REDACTED]`, except the leading
   * named group `keep` (context such as `password=` or `Bearer `), which stays.
   */
  regex: RegExp;
  /** Mask only when the masked part has at least this Shannon entropy (bits per character). */
  entropy?: number;
  /** gitleaks default-config rule ids this rule covers. */
  gitleaks?: readonly string[];
}

// Key names that mark a value as secret in `key=value`, `key: value`, `"key": "value"`.
// `pass` covers password/passwd (and, knowingly, bypass=); not `session_id`: chat and daemon
// session ids are identifiers the audit trail needs.
const SECRET_NAME = String.raw`(?:pass|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)`;
const SECRET_NAME_KEYWORDS = ["pass", "secret", "token", "api", "private", "access", "credential"];
// From the key word to the separator: the rest of the key name (bounded), an optional closing
// quote, then `:` or `=`.
const KEY_TO_SEP = String.raw`[A-Za-z0-9_.-]{0,64}?["']?[ \t]*[:=][ \t]*`;

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: "private-key",
    description: "PEM block (private keys and anything else armoured): BEGIN through END, or to the end of the text when END is missing",
    keywords: ["-----begin"],
    regex: /-----BEGIN[ A-Z0-9_-]{1,100}-----[\s\S]*?(?:-----END[ A-Z0-9_-]{1,100}-----|$)/g,
    gitleaks: ["private-key"],
  },
  {
    id: "jwt",
    description: "JSON Web Token (header.payload.signature; the signature may be empty, alg=none)",
    keywords: ["eyj"],
    regex: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{6,}\.ey[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g,
    gitleaks: ["jwt"],
  },
  {
    id: "jwt-base64",
    description: "A JSON Web Token that was base64-encoded again",
    keywords: ["zxlk"],
    regex: /(?<![A-Za-z0-9+/_-])ZXlK(?:aGJHY2lPaU|MGVYQWlPaU|cmFXUWlP|aGRXUWlPaU|emRXSWlPaU|cGMzTWlPaU)[A-Za-z0-9+/_-]{30,}={0,2}/g,
    gitleaks: ["jwt-base64"],
  },
  {
    id: "aws-access-token",
    description: "AWS access key id (AKIA…, ASIA…)",
    keywords: ["akia", "asia", "abia", "acca", "a3t"],
    regex: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
    gitleaks: ["aws-access-token"],
  },
  {
    id: "github-token",
    description: "GitHub personal, OAuth, app and refresh tokens (ghp_, gho_, ghu_, ghs_, ghr_)",
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    regex: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{20,}/g,
    gitleaks: ["github-pat", "github-oauth", "github-app-token", "github-refresh-token"],
  },
  {
    id: "github-fine-grained-pat",
    description: "GitHub fine-grained personal access token (github_pat_)",
    keywords: ["github_pat_"],
    regex: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{20,}/g,
    gitleaks: ["github-fine-grained-pat"],
  },
  {
    id: "gitlab-token",
    description: "GitLab tokens (glpat-, gldt-, glrt-, glptt-, glft-, glsoat-, glcbt-, gloas-, glimt-, glagent-, glffct-, GR1348941)",
    keywords: ["glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-", "gloas-", "glimt-", "glagent-", "glffct-", "gr1348941"],
    regex: /(?<![A-Za-z0-9_.-])(?:gl(?:pat|dt|rt|ptt|ft|soat|cbt|oas|imt|agent|ffct)-|GR1348941)[A-Za-z0-9_.-]{20,}/g,
    gitleaks: [
      "gitlab-pat",
      "gitlab-pat-routable",
      "gitlab-deploy-token",
      "gitlab-runner-authentication-token",
      "gitlab-runner-authentication-token-routable",
      "gitlab-ptt",
      "gitlab-feed-token",
      "gitlab-scim-token",
      "gitlab-cicd-job-token",
      "gitlab-oauth-app-secret",
      "gitlab-incoming-mail-token",
      "gitlab-kubernetes-agent-token",
      "gitlab-feature-flag-client-token",
      "gitlab-rrt",
    ],
  },
  {
    id: "slack-token",
    description: "Slack bot, user, workspace, config and app tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxo-, xoxe-, xapp-)",
    keywords: ["xox", "xapp-"],
    regex: /(?<![A-Za-z0-9-])(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{10,}/g,
    gitleaks: ["slack-bot-token", "slack-user-token", "slack-legacy-bot-token", "slack-legacy-token", "slack-legacy-workspace-token", "slack-config-access-token", "slack-config-refresh-token", "slack-app-token"],
  },
  {
    id: "slack-webhook-url",
    description: "Slack incoming-webhook URL (the path after the kind is the secret)",
    keywords: ["hooks.slack.com"],
    regex: /(?<keep>hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9+/]{20,}/g,
    gitleaks: ["slack-webhook-url"],
  },
  {
    id: "stripe-access-token",
    description: "Stripe secret and restricted keys (sk_live_, rk_live_, sk_test_ …)",
    keywords: ["sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"],
    regex: /(?<![A-Za-z0-9_])[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,}/g,
    gitleaks: ["stripe-access-token"],
  },
  {
    id: "gcp-api-key",
    description: "Google API key (AIza…)",
    keywords: ["aiza"],
    regex: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{30,}/g,
    gitleaks: ["gcp-api-key"],
  },
  {
    id: "anthropic-api-key",
    description: "Anthropic API and admin keys (sk-ant-api03-, sk-ant-admin01-, …)",
    keywords: ["sk-ant-"],
    regex: /(?<![A-Za-z0-9_-])sk-ant-[a-z]{2,8}\d\d-[A-Za-z0-9_-]{20,}/g,
    gitleaks: ["anthropic-api-key", "anthropic-admin-api-key"],
  },
  {
    id: "openai-api-key",
    description: "OpenAI keys (sk-…, sk-proj-…, sk-svcacct-…, sk-admin-…) and other sk- keys of that shape",
    keywords: ["sk-"],
    regex: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}/g,
    gitleaks: ["openai-api-key"],
  },
  {
    id: "npm-access-token",
    description: "npm access token (npm_)",
    keywords: ["npm_"],
    regex: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36,}/g,
    gitleaks: ["npm-access-token"],
  },
  {
    id: "pypi-upload-token",
    description: "PyPI upload token (pypi-AgEIcHlwaS5vcmc…)",
    keywords: ["pypi-ageichlwas5vcmc"],
    regex: /pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g,
    gitleaks: ["pypi-upload-token"],
  },
  {
    id: "huggingface-access-token",
    description: "Hugging Face user and organisation tokens (hf_, api_org_)",
    keywords: ["hf_", "api_org_"],
    regex: /(?<![A-Za-z0-9_])(?:hf|api_org)_[A-Za-z0-9]{30,}/g,
    gitleaks: ["huggingface-access-token", "huggingface-organization-api-token"],
  },
  {
    id: "digitalocean-token",
    description: "DigitalOcean personal, OAuth and refresh tokens (dop_v1_, doo_v1_, dor_v1_)",
    keywords: ["dop_v1_", "doo_v1_", "dor_v1_"],
    regex: /(?<![A-Za-z0-9_])do[opr]_v1_[a-f0-9]{64}/g,
    gitleaks: ["digitalocean-pat", "digitalocean-access-token", "digitalocean-refresh-token"],
  },
  {
    id: "databricks-api-token",
    description: "Databricks API token (dapi…)",
    keywords: ["dapi"],
    regex: /(?<![A-Za-z0-9_])dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9_])/g,
    gitleaks: ["databricks-api-token"],
  },
  {
    id: "sendgrid-api-token",
    description: "SendGrid API key (SG.…)",
    keywords: ["sg."],
    regex: /(?<![A-Za-z0-9_.=-])SG\.[A-Za-z0-9_=.-]{60,}/g,
    gitleaks: ["sendgrid-api-token"],
  },
  {
    id: "shopify-token",
    description: "Shopify access tokens and shared secrets (shpat_, shpca_, shppa_, shpss_)",
    keywords: ["shpat_", "shpca_", "shppa_", "shpss_"],
    regex: /(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32,}/g,
    gitleaks: ["shopify-access-token", "shopify-custom-access-token", "shopify-private-app-access-token", "shopify-shared-secret"],
  },
  {
    id: "twilio-api-key",
    description: "Twilio API key (SK + 32 hex)",
    keywords: ["sk"],
    regex: /(?<![A-Za-z0-9_])SK[0-9a-fA-F]{32}(?![A-Za-z0-9_])/g,
    gitleaks: ["twilio-api-key"],
  },
  {
    id: "vault-token",
    description: "HashiCorp Vault service and batch tokens (hvs., hvb.)",
    keywords: ["hvs.", "hvb."],
    regex: /(?<![A-Za-z0-9_.-])hv[sb]\.[A-Za-z0-9_-]{90,}/g,
    gitleaks: ["vault-service-token", "vault-batch-token"],
  },
  {
    id: "age-secret-key",
    description: "age encryption secret key",
    keywords: ["age-secret-key-1"],
    regex: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/g,
    gitleaks: ["age-secret-key"],
  },
  {
    id: "grafana-token",
    description: "Grafana cloud, service-account and legacy API tokens (glc_, glsa_, eyJrIjoi…)",
    keywords: ["glc_", "glsa_", "eyjrijoi"],
    regex: /(?<![A-Za-z0-9_+/=-])(?:glc_[A-Za-z0-9+/]{32,}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,}={0,3})/g,
    gitleaks: ["grafana-cloud-api-token", "grafana-service-account-token", "grafana-api-key"],
  },
  {
    id: "linear-api-key",
    description: "Linear API key (lin_api_)",
    keywords: ["lin_api_"],
    regex: /(?<![A-Za-z0-9_])lin_api_[A-Za-z0-9]{40}/g,
    gitleaks: ["linear-api-key"],
  },
  {
    id: "doppler-api-token",
    description: "Doppler API token (dp.pt.)",
    keywords: ["dp.pt."],
    regex: /(?<![A-Za-z0-9_.])dp\.pt\.[A-Za-z0-9]{40,}/g,
    gitleaks: ["doppler-api-token"],
  },
  {
    id: "pulumi-api-token",
    description: "Pulumi access token (pul-)",
    keywords: ["pul-"],
    regex: /(?<![A-Za-z0-9_-])pul-[a-f0-9]{40}(?![A-Za-z0-9_])/g,
    gitleaks: ["pulumi-api-token"],
  },
  {
    id: "planetscale-token",
    description: "PlanetScale tokens and passwords (pscale_tkn_, pscale_oauth_, pscale_pw_)",
    keywords: ["pscale_"],
    regex: /(?<![A-Za-z0-9_])pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.-]{32,}/g,
    gitleaks: ["planetscale-api-token", "planetscale-oauth-token", "planetscale-password"],
  },
  {
    id: "postman-api-token",
    description: "Postman API key (PMAK-)",
    keywords: ["pmak-"],
    regex: /PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}/g,
    gitleaks: ["postman-api-token"],
  },
  {
    id: "sentry-token",
    description: "Sentry user and organisation auth tokens (sntryu_, sntrys_)",
    keywords: ["sntryu_", "sntrys_"],
    regex: /(?<![A-Za-z0-9_])(?:sntryu_[a-f0-9]{64}|sntrys_eyJ[A-Za-z0-9+/=_]{50,})/g,
    gitleaks: ["sentry-user-token", "sentry-org-token"],
  },
  {
    id: "rubygems-api-token",
    description: "RubyGems API key (rubygems_)",
    keywords: ["rubygems_"],
    regex: /(?<![A-Za-z0-9_])rubygems_[a-f0-9]{48}/g,
    gitleaks: ["rubygems-api-token"],
  },
  {
    id: "heroku-api-key-v2",
    description: "Heroku API key (HRKU-AA)",
    keywords: ["hrku-aa"],
    regex: /(?<![A-Za-z0-9_-])HRKU-AA[A-Za-z0-9_-]{58}/g,
    gitleaks: ["heroku-api-key-v2"],
  },
  {
    id: "perplexity-api-key",
    description: "Perplexity API key (pplx-)",
    keywords: ["pplx-"],
    regex: /(?<![A-Za-z0-9_-])pplx-[A-Za-z0-9]{48}/g,
    gitleaks: ["perplexity-api-key"],
  },
  {
    id: "notion-api-token",
    description: "Notion integration token (ntn_)",
    keywords: ["ntn_"],
    regex: /(?<![A-Za-z0-9_])ntn_[0-9]{11}[A-Za-z0-9]{35}/g,
    gitleaks: ["notion-api-token"],
  },
  {
    id: "flyio-access-token",
    description: "Fly.io tokens (fo1_, fm1a_, fm1r_, fm2_)",
    keywords: ["fo1_", "fm1", "fm2_"],
    regex: /(?<![A-Za-z0-9_+/=-])(?:fo1_[A-Za-z0-9_-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3})/g,
    gitleaks: ["flyio-access-token"],
  },
  {
    id: "azure-ad-client-secret",
    description: "Azure AD client secret (xxx8Q~…)",
    keywords: ["q~"],
    regex: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
    gitleaks: ["azure-ad-client-secret"],
  },
  {
    id: "square-access-token",
    description: "Square access tokens and OAuth secrets (sq0atp-, sq0csp-, EAAA…)",
    keywords: ["sq0atp-", "sq0csp-", "eaaa"],
    regex: /(?<![A-Za-z0-9_-])(?:sq0atp-|sq0csp-|EAAA)[A-Za-z0-9_-]{22,}/g,
    gitleaks: ["square-access-token"],
  },
  {
    id: "facebook-page-access-token",
    description: "Facebook page access token (EAAM…, EAAC…)",
    keywords: ["eaam", "eaac"],
    regex: /(?<![A-Za-z0-9_])EAA[MC][A-Za-z0-9]{100,}/g,
    gitleaks: ["facebook-page-access-token"],
  },
  {
    id: "1password-service-account-token",
    description: "1Password service-account token (ops_eyJ…)",
    keywords: ["ops_eyj"],
    regex: /(?<![A-Za-z0-9_])ops_eyJ[A-Za-z0-9+/]{250,}={0,3}/g,
    gitleaks: ["1password-service-account-token"],
  },
  {
    id: "openshift-user-token",
    description: "OpenShift user token (sha256~)",
    keywords: ["sha256~"],
    regex: /(?<![A-Za-z0-9_-])sha256~[A-Za-z0-9_-]{43}/g,
    gitleaks: ["openshift-user-token"],
  },
  {
    id: "dynatrace-api-token",
    description: "Dynatrace API token (dt0c01.)",
    keywords: ["dt0c01."],
    regex: /dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}/g,
    gitleaks: ["dynatrace-api-token"],
  },
  {
    id: "authorization-header",
    description: "Authorization header or assignment: the credential after an optional scheme",
    keywords: ["authorization"],
    regex: /(?<keep>\bauthorization[ \t]*[:=][ \t]*(?:(?:bearer|basic|token|digest|negotiate)[ \t]+)?)[^\s,;"']+/gi,
    gitleaks: ["curl-auth-header"],
  },
  {
    id: "bearer-token",
    description: "A bearer token anywhere (Bearer <token>)",
    keywords: ["bearer"],
    regex: /(?<keep>\bbearer[ \t]+)[A-Za-z0-9._~+/=-]{8,}/gi,
  },
  {
    id: "cookie-header",
    description: "Cookie and Set-Cookie header values (session cookies)",
    keywords: ["cookie"],
    regex: /(?<keep>\b(?:set-)?cookie[ \t]*:[ \t]*)[^\s\r\n][^\r\n]*/gi,
  },
  {
    id: "curl-auth-user",
    description: "curl -u / --user user:password (the password)",
    keywords: ["curl"],
    regex: /(?<keep>(?<![A-Za-z0-9_-])(?:-u|--user)(?:=|[ \t]{1,5})["']?[^\s:"'@]{1,64}:)[^\s"']{1,256}/g,
    gitleaks: ["curl-auth-user"],
  },
  {
    id: "url-credentials",
    description: "user:password@ in a URL (the password)",
    keywords: ["://"],
    regex: /(?<keep>\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/@:]+:)[^\s/@]+(?=@)/gi,
  },
  {
    id: "secret-assignment-quoted",
    description: "A quoted value under a secret-looking key (password, secret, token, api_key, …): \"password\": \"…\", token='…'",
    keywords: SECRET_NAME_KEYWORDS,
    // The value may hold spaces and escaped quotes; an unterminated one is masked to the end of the line.
    regex: new RegExp(String.raw`(?<keep>${SECRET_NAME}${KEY_TO_SEP}(?<q>["']))(?:\\.|(?!\k<q>)[^\\\n])*(?=\k<q>|\n|$)`, "gi"),
  },
  {
    id: "secret-assignment",
    description: "A bare value under a secret-looking key: password=…, API-KEY: …, DB_TOKEN=…",
    keywords: SECRET_NAME_KEYWORDS,
    regex: new RegExp(String.raw`(?<keep>${SECRET_NAME}${KEY_TO_SEP})[^\s"',;&]+`, "gi"),
  },
  {
    id: "generic-api-key",
    description: "A high-entropy value (≥ 3.5 bits/char, ≥ 10 chars) under a key like key, auth, access, creds",
    keywords: ["key", "auth", "access", "creds", "credential", "passwd", "password", "secret", "token", "api"],
    regex: /(?<keep>(?:access|auth|api|credential|creds|key|passw(?:or)?d|secret|token)[A-Za-z0-9_.-]{0,20}[ \t'"]{0,3}(?:=>|:=|=|:)[ \t'"=]{0,5})[A-Za-z0-9][A-Za-z0-9_.=+/-]{9,}/gi,
    entropy: 3.5,
    gitleaks: ["generic-api-key"],
  },
  {
    id: "hex-64",
    description: "64 hex characters (32 random bytes: the shape of our own admin and session tokens)",
    keywords: [],
    regex: /\b[a-f0-9]{64}\b/gi,
  },
];
