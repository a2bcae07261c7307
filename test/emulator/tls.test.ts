/**
 * The emulator's optional TLS (`tls: { key, cert }`), used by the bench's cold invocations:
 * https on loopback, signatures verified as over http, and a client that does not trust the
 * certificate is refused (nothing turns verification off).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '../../emulator/server';
import { sdkSign } from './helpers';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const KEY = { accessKey: 'TLSTESTACCESSKEY0000', secretKey: 'tls-test-secret-key-0000000000000000' };
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function get(url: string, headers: Record<string, string>, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, ...(ca && { ca }), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

(hasOpenssl ? describe : describe.skip)('emulator over TLS', () => {
  let dir: string;
  let cert: Buffer;
  let emulator: Emulator;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    emulator = await startEmulator({
      projectId: PROJECT,
      credentials: [KEY],
      clusters: { 'tls-cluster': true },
      tls: { key: readFileSync(join(dir, 'key.pem')), cert },
    });
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https on loopback and verifies signatures as over http', async () => {
    expect(emulator.url).toBe(`https://127.0.0.1:${emulator.port}`);
    const url = `${emulator.url}/v2/${PROJECT}/clusters/tls-cluster/iam-sync`;
    const answer = await get(url, sdkSign(url, { ...KEY, headers: { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT } }), cert);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ is_synchronizing: true });
    expect(emulator.requests.at(-1)?.verification.ok).toBe(true);
  });

  it('refuses a client that does not trust its certificate', async () => {
    const url = `${emulator.url}/v2/${PROJECT}/clusters/tls-cluster/iam-sync`;
    await expect(get(url, {})).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});
