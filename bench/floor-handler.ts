/**
 * The floor of a cold invocation, for `npm run bench` alone (never deployed): the least code
 * that answers `{"cluster_id": "..."}` correctly. No framework, no SDK, no cache, no retries,
 * no logging: `node:crypto` SDK-HMAC-SHA256 signing and one `node:https` request (MRS is
 * https only; the bench serves its emulator over TLS). The emulator verifies its signature
 * like any other; bench/run.mjs fails if it refuses one.
 */
import { createHash, createHmac } from 'node:crypto';
import https from 'node:https';

const ALGORITHM = 'SDK-HMAC-SHA256';
const CLUSTER_ID = /^[A-Za-z0-9_-]{1,64}$/;

const endpoint = new URL(required('MRS_ENDPOINT'));
if (endpoint.protocol !== 'https:') throw new Error('MRS_ENDPOINT must be https.');
const projectId = required('MRS_PROJECT_ID');
const accessKey = required('HUAWEICLOUD_SDK_AK');
const secretKey = required('HUAWEICLOUD_SDK_SK');

export async function handler(event: { cluster_id?: unknown }) {
  const clusterId = event.cluster_id;
  if (typeof clusterId !== 'string' || !CLUSTER_ID.test(clusterId)) throw new Error('The event needs a cluster_id.');
  // Both ids are [A-Za-z0-9_-]: nothing in the path needs percent-encoding.
  const path = `/v2/${projectId}/clusters/${clusterId}/iam-sync`;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Project-Id': projectId,
    host: endpoint.host,
    'X-Sdk-Date': new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, ''),
  };
  const names = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort();
  const byLowerName = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    'GET',
    `${path}/`,
    '',
    names.map((name) => `${name}:${byLowerName[name]}\n`).join(''),
    signedHeaders,
    sha256Hex(''),
  ].join('\n');
  const stringToSign = `${ALGORITHM}\n${headers['X-Sdk-Date']}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', secretKey).update(stringToSign).digest('hex');
  headers.Authorization = `${ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`;

  const { status, body } = await get(new URL(path, endpoint), headers);
  if (status !== 200) throw new Error(`MRS answered ${status}: ${body}`);
  const answer = JSON.parse(body) as { is_synchronizing?: unknown };
  return { cluster_id: clusterId, is_synchronizing: answer.is_synchronizing === true };
}

function get(url: URL, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'GET', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name}.`);
  return value;
}
