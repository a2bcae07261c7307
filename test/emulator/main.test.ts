import { DEMO_ACCESS_KEY, DEMO_CLUSTERS, DEMO_PROJECT_ID, DEMO_SECRET_KEY, demoEmulatorOptions } from '../../emulator/demo';
import { main, parsePort } from '../../emulator/main';
import { json, send } from '../fixtures/http-client';
import { sdkSign } from './helpers';

describe('parsePort', () => {
  it.each([
    [[], 0],
    [['8080'], 8080],
    [['--port', '9000'], 9000],
    [['--port=0'], 0],
  ])('%j -> %d', (argv, port) => {
    expect(parsePort(argv)).toBe(port);
  });

  it.each([[['--port']], [['--port', 'x']], [['70000']], [['--verbose']], [['--port=-1']]])('rejects %j', (argv) => {
    expect(() => parsePort(argv)).toThrow(RangeError);
  });
});

describe('main', () => {
  it('serves the demo clusters to the demo key and prints how to reach it, but not the secret', async () => {
    const lines: string[] = [];
    const emulator = await main(['--port', '0'], (line) => lines.push(line));
    try {
      expect(lines[0]).toBe(`MRS emulator listening on ${emulator.url}`);
      for (const [clusterId, expected] of Object.entries(DEMO_CLUSTERS)) {
        const url = `${emulator.url}/v2/${DEMO_PROJECT_ID}/clusters/${clusterId}/iam-sync`;
        const reply = await send(url, { headers: sdkSign(url, { accessKey: DEMO_ACCESS_KEY, secretKey: DEMO_SECRET_KEY }) });
        expect(json(reply)).toEqual({ is_synchronizing: expected });
      }
      expect(lines.join('\n')).toContain(`GET /v2/${DEMO_PROJECT_ID}/clusters/demo-syncing/iam-sync -> 200 (auth ok)`);
      expect(lines.join('\n')).not.toContain(DEMO_SECRET_KEY);
      expect(process.listeners('SIGINT')).toHaveLength(1);
    } finally {
      await emulator.close();
    }
    expect(process.listeners('SIGINT')).toHaveLength(0);
  });
});

it('demoEmulatorOptions hands out independent cluster maps', () => {
  const a = demoEmulatorOptions();
  a.clusters['demo-idle'] = true;
  expect(demoEmulatorOptions(1234)).toMatchObject({ port: 1234, clusters: { 'demo-idle': false, 'demo-syncing': true } });
});
