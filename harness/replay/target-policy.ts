// Which implementation a replay may start or dial. A bundle is data: the target it names is run only when the
// user gave it on the command line, or confirmed it at an interactive prompt (never in CI, never without a
// TTY); a builtin driver name (node, python…) runs only the harness's own code, so it needs no confirmation.
// An engine address from a bundle is dialled only when it is loopback.

import { isIP } from 'node:net';
import { BUILTIN_SDKS } from '../cli/targets.ts';
import { visible } from './bundle.ts';
import { shellQuote } from '../util/shell-quote.ts';

/** The words to paste after `--sdk`, quoted for a POSIX shell; control bytes are shown escaped. */
export function pastableArgument(text: string): string {
  return shellQuote(visible(text, 500));
}

export function isBuiltinSdkName(text: string): boolean {
  return (BUILTIN_SDKS as readonly string[]).includes(text);
}

/** localhost, 127.0.0.0/8 or ::1: an address that reaches nothing beyond this machine. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

export function isInteractive(env: NodeJS.ProcessEnv, hasPrompt: boolean): boolean {
  const ci = env.CI;
  const inCi = ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
  return hasPrompt && !inCi;
}
