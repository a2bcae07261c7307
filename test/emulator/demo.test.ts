/** The demo identity every local tool (npm start, npm run load, the README test) starts the emulator with. */
import {
  DEMO_ACCESS_KEY,
  DEMO_CLUSTERS,
  DEMO_PROJECT_ID,
  DEMO_SECRET_KEY,
  demoEmulatorOptions,
  demoFunctionEnvironment,
} from '../../emulator/demo';
import { startEmulator } from '../../emulator/server';
import { json, send } from '../fixtures/http-client';
import { sdkSign } from './helpers';

it('demoEmulatorOptions hands out independent cluster maps', () => {
  const a = demoEmulatorOptions();
  a.clusters['demo-idle'] = true;
  expect(demoEmulatorOptions(1234)).toMatchObject({ port: 1234, clusters: { 'demo-idle': false, 'demo-syncing': true } });
});

it('the demo emulator serves the demo clusters to the key and project demoFunctionEnvironment hands the function', async () => {
  const emulator = await startEmulator(demoEmulatorOptions());
  try {
    const env = demoFunctionEnvironment(emulator.url);
    expect(env).toEqual({
      MRS_ENDPOINT: emulator.url,
      MRS_PROJECT_ID: DEMO_PROJECT_ID,
      HUAWEICLOUD_SDK_AK: DEMO_ACCESS_KEY,
      HUAWEICLOUD_SDK_SK: DEMO_SECRET_KEY,
    });
    for (const [clusterId, expected] of Object.entries(DEMO_CLUSTERS)) {
      const url = `${env.MRS_ENDPOINT}/v2/${env.MRS_PROJECT_ID}/clusters/${clusterId}/iam-sync`;
      const reply = await send(url, { headers: sdkSign(url, { accessKey: env.HUAWEICLOUD_SDK_AK, secretKey: env.HUAWEICLOUD_SDK_SK }) });
      expect(json(reply)).toEqual({ is_synchronizing: expected });
    }
  } finally {
    await emulator.close();
  }
});
