/** Login: paste the admin token, or open the link `opensentience token` prints. */
import { Document } from "../components/layout.tsx";
import { Icon } from "../components/icons.tsx";

export interface LoginProps {
  /** Pre-login CSRF value bound to the `os_login_<port>` cookie. */
  csrf: string;
  error?: string;
  /** Where to go after logging in (already checked by safeNextPath). */
  next?: string | null;
}

export function LoginPage({ csrf, error, next = null }: LoginProps) {
  return (
    <Document title="Log in" bodyClass="auth-body">
      <main class="auth">
        <div class="auth-card">
          <div class="auth-brand">
            <span class="brand-mark brand-mark-lg" aria-hidden="true"></span>
            <span>OpenSentience</span>
          </div>
          <h1>Log in to this machine's agent hub</h1>
          <p class="auth-lead">
            Run <code>opensentience token</code> in a terminal and open the link it prints, or paste the admin token below.
          </p>
          {error ? (
            <div class="notice notice-danger" role="alert">
              <Icon name="alert" />
              <span safe>{error}</span>
            </div>
          ) : (
            ""
          )}
          <form method="post" action="/login" class="auth-form">
            <input type="hidden" name="_csrf" value={csrf} />
            {next ? <input type="hidden" name="next" value={next} /> : ""}
            <label class="field">
              <span class="field-label">Admin token</span>
              <input type="password" name="token" required maxlength="512" autocomplete="current-password" spellcheck="false" placeholder="64 hexadecimal characters" autofocus />
            </label>
            <button type="submit" class="button button-primary button-block">
              <Icon name="lock" /> Log in
            </button>
          </form>
          <p class="auth-foot">
            The token is the file <code>admin.token</code> in the data directory (default <code>~/.opensentience</code>). Rotate it with <code>opensentience token --rotate</code>.
          </p>
        </div>
      </main>
    </Document>
  );
}
