import lodash from 'lodash';
import realMoment from 'moment';
import { sortBy } from '../../lib/huawei/signer-shims/lodash';
import shimMoment from '../../lib/huawei/signer-shims/moment';

const FORMAT = 'YYYYMMDDTHHmmss';

describe('signer shims', () => {
  it('sortBy orders header names as lodash does, stably, for the signer iteratee', () => {
    const lower = (name: string) => name.toLocaleLowerCase();
    const names = ['X-Sdk-Date', 'host', 'Content-Type', 'X-Project-Id', 'x-security-token', 'A', 'a', 'B', 'b', 'X-SDK-DATE', '_x', '-y', 'z9', 'Z1'];
    for (let i = 0; i < 200; i += 1) {
      const shuffled = [...names].sort(() => Math.random() - 0.5);
      expect(sortBy(shuffled, lower)).toEqual(lodash.sortBy(shuffled, lower));
    }
  });

  it('moment(date).utcOffset(0).format() round-trips X-Sdk-Date values as moment does', () => {
    for (let i = 0; i < 500; i += 1) {
      const date = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 60 * 365 * 86_400) * 1000);
      const sdkDate = `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
      expect(shimMoment(sdkDate).utcOffset(0).format(FORMAT)).toBe(realMoment(sdkDate).utcOffset(0).format(FORMAT));
    }
  });

  it('moment() without a date formats now', () => {
    const before = realMoment().utcOffset(0).format(FORMAT);
    const shim = shimMoment().utcOffset(0).format(FORMAT);
    const after = realMoment().utcOffset(0).format(FORMAT);
    expect([before, after]).toContain(shim);
  });

  it('refuses what it does not implement instead of guessing', () => {
    expect(() => shimMoment('2019-11-15').utcOffset(0).format(FORMAT)).toThrow(/not YYYYMMDDTHHmmssZ/);
    expect(() => shimMoment().utcOffset(0).format('YYYY')).toThrow(/unsupported date format/);
  });
});
