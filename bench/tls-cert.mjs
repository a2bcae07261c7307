// A throwaway self-signed certificate for 127.0.0.1 and localhost, made at bench time with
// `openssl` into the git-ignored .bench/ (never committed): the cold-invocation section
// serves the emulator over TLS with it, and the child processes trust it through
// NODE_EXTRA_CA_CERTS (verification stays on). RSA 2048, as public API endpoints commonly use.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function selfSignedCert(dir) {
  if (spawnSync('openssl', ['version']).status !== 0) {
    throw new Error(
      'The cold-invocation bench serves the emulator over TLS and needs `openssl` on PATH to make its throwaway certificate.',
    );
  }
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}
