/**
 * The README's commands, read from README.md itself and run in the README's order against
 * what `npm start` starts: the demo emulator and the gateway over the built functions (the
 * reads, the start, enabled as npm start enables it, and the wait; the emulator's syncs are
 * made short, so that the README's wait ends in a moment).
 * Every `curl` line in a code block (with the output shown under it, if any) and every
 * admin example written as `` `PUT /_emulator/...` `` (with the JSON body given after it)
 * must work as shown, so the test fails as soon as the README and the code drift apart.
 *
 * curl itself is not run (it need not be installed): its method, URL, headers and body are
 * parsed and sent with the tests' HTTP client. A command the parser does not understand fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoEmulatorOptions, demoFunctionEnvironment } from '../../emulator/demo';
import { type Emulator, startEmulator } from '../../emulator/server';
import { ALL_ROUTES, type FunctionHandler, type Gateway, startGateway } from '../../gateway/server';
import { type Reply, send } from '../fixtures/http-client';
import { coldStart } from '../fixtures/load-bundle';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
/** Where the README says `npm start` puts the gateway; replaced by the test's gateway. */
const README_GATEWAY_ORIGINS = ['http://127.0.0.1:3000', 'http://localhost:3000'];

interface HttpCall {
  method: string;
  /** As written in the README: an absolute URL, or an admin path on the emulator. */
  target: string;
  headers: Record<string, string>;
  body?: string;
}

interface Example {
  /** 1-based, for the test's name. */
  line: number;
  text: string;
  call: HttpCall;
  /** With `curl -i`, the status line and header names the README shows. */
  shownStatus?: number;
  shownHeaders: string[];
  /** The body the README shows under the command, if any. */
  shownBody?: string;
}

const lineOf = (offset: number): number => README.slice(0, offset).split('\n').length;

/** Shell words, with '...' and "..." quoting and backslash escapes: enough for a README line. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new SyntaxError(`unclosed ' in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = '';
      for (i += 1; i < line.length && line[i] !== '"'; i += 1)
        text += line[i] === '\\' && /["\\$`]/.test(line[i + 1] ?? '') ? line[++i] : line[i];
      if (i === line.length) throw new SyntaxError(`unclosed " in ${line}`);
      word = (word ?? '') + text;
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** curl's method, URL, headers and body; `-d` implies POST and a form content type, as in curl. */
function parseCurl(command: string): { call: HttpCall; include: boolean } {
  const [program, ...args] = shellWords(command);
  if (program !== 'curl') throw new SyntaxError(`not a curl command: ${command}`);
  let method: string | undefined;
  let target: string | undefined;
  let body: string | undefined;
  let include = false;
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const value = (): string => {
      i += 1;
      if (i === args.length) throw new SyntaxError(`${arg} needs a value in: ${command}`);
      return args[i];
    };
    if (arg === '-i' || arg === '--include') include = true;
    else if (arg === '-s' || arg === '--silent' || arg === '-sS') continue;
    else if (arg === '-X' || arg === '--request') method = value();
    else if (arg === '-H' || arg === '--header') {
      const header = value();
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    } else if (arg === '-d' || arg === '--data' || arg === '--data-raw') body = value();
    else if (arg.startsWith('-'))
      throw new SyntaxError(`the README test does not know curl option ${arg} (in: ${command}); teach parseCurl`);
    else if (target === undefined) target = arg;
    else throw new SyntaxError(`more than one URL in: ${command}`);
  }
  if (target === undefined) throw new SyntaxError(`no URL in: ${command}`);
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  return {
    call: { method: method ?? (body === undefined ? 'GET' : 'POST'), target, headers, ...(body !== undefined && { body }) },
    include,
  };
}

/** `$ curl ...` lines in code blocks (with the output printed under them) and `curl ...` inline code. */
function curlExamples(): Example[] {
  const examples: Example[] = [];
  for (const block of README.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)) {
    const start = (block.index ?? 0) + block[0].indexOf('\n') + 1;
    const lines = block[1].split('\n');
    lines.forEach((text, i) => {
      const command = /^(\$\s+)?(curl\s.*)$/.exec(text);
      if (command === null) return;
      const output: string[] = [];
      // What a `$ ` prompt line prints runs to the next prompt or the end of the block.
      for (let j = i + 1; command[1] !== undefined && j < lines.length && !lines[j].startsWith('$ '); j += 1) output.push(lines[j]);
      const { call, include } = parseCurl(command[2]);
      examples.push({ line: lineOf(start) + i, text: command[2], call, ...readShownOutput(output.join('\n').trim(), include) });
    });
  }
  const prose = README.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, ' '));
  for (const span of prose.matchAll(/`(curl\s[^`]*)`/g)) {
    examples.push({ line: lineOf(span.index ?? 0), text: span[1], call: parseCurl(span[1]).call, shownHeaders: [] });
  }
  return examples;
}

/** With `-i`: `HTTP/1.1 200 OK`, headers, a blank line, the body; without it, the body alone. */
function readShownOutput(output: string, include: boolean): Pick<Example, 'shownStatus' | 'shownHeaders' | 'shownBody'> {
  if (output === '') return { shownHeaders: [] };
  if (!include) return { shownHeaders: [], shownBody: output };
  const [head, ...rest] = output.split(/\n\s*\n/);
  const [statusLine, ...headerLines] = head.split('\n');
  const status = /^HTTP\/[\d.]+ (\d{3})\b/.exec(statusLine)?.[1];
  if (status === undefined) throw new SyntaxError(`curl -i output without a status line: ${statusLine}`);
  return {
    shownStatus: Number(status),
    shownHeaders: headerLines.map((h) => h.slice(0, h.indexOf(':')).trim()),
    shownBody: rest.join('\n\n').trim() || undefined,
  };
}

/**
 * Admin calls written in prose: `` `PUT /_emulator/clusters/demo-idle` with `{"is_synchronizing":true}` ``.
 * The body is the first inline code that is a JSON object after the route and before the next route.
 */
function adminExamples(): Example[] {
  const prose = README.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, ' '));
  const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => ({ text: m[1], index: m.index ?? 0 }));
  const examples: Example[] = [];
  spans.forEach((span, i) => {
    const route = /^(GET|PUT|POST|DELETE|PATCH) (\/_emulator(?:\/\S*)?)$/.exec(span.text);
    if (route === null) return;
    let body: string | undefined;
    for (const next of spans.slice(i + 1)) {
      if (/^[A-Z]+ \//.test(next.text)) break;
      if (next.text.startsWith('{')) {
        body = next.text;
        break;
      }
    }
    const text = body === undefined ? span.text : `${span.text} ${body}`;
    examples.push({
      line: lineOf(span.index),
      text,
      call: { method: route[1], target: route[2], headers: {}, ...(body !== undefined && { body }) },
      shownHeaders: [],
    });
  });
  return examples;
}

const EXAMPLES = [...curlExamples(), ...adminExamples()].sort((a, b) => a.line - b.line);

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const HEX_ID = /\b[0-9a-f]{32}\b/g;
const mask = (text: string): string => text.replace(TIME, '<time>').replace(UUID, '<uuid>').replace(HEX_ID, '<hex id>');

/**
 * What an answer must look like given the README's example of it: the same fields, the
 * same booleans and texts once times and ids (different on every run) are masked; any
 * number; any text where the README elides it with `...`.
 */
function expectedFrom(shown: unknown): unknown {
  if (typeof shown === 'string') return shown.endsWith('...') ? expect.any(String) : mask(shown);
  if (typeof shown === 'number') return expect.any(Number);
  if (Array.isArray(shown)) return shown.map(expectedFrom);
  if (typeof shown === 'object' && shown !== null) return Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, expectedFrom(v)]));
  return shown;
}

function masked(actual: unknown): unknown {
  if (typeof actual === 'string') return mask(actual);
  if (Array.isArray(actual)) return actual.map(masked);
  if (typeof actual === 'object' && actual !== null) return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, masked(v)]));
  return actual;
}

describe('the README commands', () => {
  let emulator: Emulator;
  let gateway: Gateway;
  const saved = { ...process.env };

  beforeAll(async () => {
    emulator = await startEmulator(demoEmulatorOptions());
    // As npm start: nothing from the developer's environment points the function elsewhere.
    for (const name of Object.keys(process.env)) if (/^(MRS_|HUAWEICLOUD_SDK_|RUNTIME_)/.test(name)) delete process.env[name];
    emulator.iamSync.setDefaults({ durationMs: 1500 });
    const env = { ...demoFunctionEnvironment(emulator.url), LOG_LEVEL: 'error' };
    const handlers = {
      'iam-sync-status': coldStart('iam-sync-status', env) as FunctionHandler,
      'iam-sync-start': coldStart('iam-sync-start', { ...env, IAM_SYNC_START_ENABLED: 'true' }) as FunctionHandler,
      'iam-sync-wait': coldStart('iam-sync-wait', env) as FunctionHandler,
    };
    gateway = await startGateway({ routes: ALL_ROUTES, handlers });
  });

  afterAll(async () => {
    await Promise.all([gateway?.close(), emulator?.close()]);
    Object.assign(process.env, saved);
  });

  /** The README's URL on the servers this test started. */
  function urlFor(target: string): string {
    if (target.startsWith('/_emulator')) return emulator.url + target;
    const origin = README_GATEWAY_ORIGINS.find((o) => target === o || target.startsWith(`${o}/`));
    if (origin !== undefined) return gateway.url + target.slice(origin.length);
    throw new Error(
      `README target ${target} is neither the gateway (${README_GATEWAY_ORIGINS.join(', ')}) nor the emulator's /_emulator admin API`,
    );
  }

  it('finds the commands: gateway calls and admin calls', () => {
    expect(EXAMPLES.filter((e) => README_GATEWAY_ORIGINS.some((o) => e.call.target.startsWith(o))).length).toBeGreaterThan(0);
    expect(EXAMPLES.filter((e) => e.call.target.startsWith('/_emulator')).length).toBeGreaterThan(0);
  });

  it.each(EXAMPLES.map((e) => [`line ${e.line}: ${e.text}`, e] as const))('%s', async (_, example) => {
    const { method, target, headers, body } = example.call;
    const reply: Reply = await send(urlFor(target), { method, headers, ...(body !== undefined && { body }) });
    // No output shown: the README implies it works. Output shown: it must be that output.
    if (example.shownStatus === undefined && example.shownBody === undefined && (reply.status < 200 || reply.status > 299)) {
      throw new Error(`expected a 2xx answer, got ${reply.status}: ${reply.body}`);
    }
    const shown = { status: example.shownStatus ?? reply.status, headers: example.shownHeaders.map((h) => h.toLowerCase()) };
    expect({ status: reply.status, headers: shown.headers.filter((h) => reply.headers[h] !== undefined) }).toEqual(shown);
    if (example.shownBody !== undefined) {
      let shownJson: unknown;
      try {
        shownJson = JSON.parse(example.shownBody);
      } catch {
        expect(mask(reply.body.trim())).toBe(mask(example.shownBody));
        return;
      }
      expect(masked(JSON.parse(reply.body))).toEqual(expectedFrom(shownJson));
    }
  });
});
