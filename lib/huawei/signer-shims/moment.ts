/**
 * The slice of moment the signer calls: `moment(value?).utcOffset(0).format('YYYYMMDDTHHmmss')`.
 * `value` is the request's `X-Sdk-Date` in the basic ISO 8601 form the signer itself writes
 * (`20191115T033655Z`); any other format throws rather than signing with a guessed date.
 */
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SUPPORTED_FORMAT = 'YYYYMMDDTHHmmss';

interface UtcMoment {
  utcOffset(offset: 0): UtcMoment;
  format(format: string): string;
}

export default function moment(value?: string): UtcMoment {
  const date = value === undefined ? new Date() : parseSdkDate(value);
  const utc: UtcMoment = {
    utcOffset: () => utc,
    format: (format) => {
      if (format !== SUPPORTED_FORMAT) throw new Error(`signer shim: unsupported date format ${format}`);
      return date.toISOString().replace(/[-:]/g, '').slice(0, 15);
    },
  };
  return utc;
}

function parseSdkDate(value: string): Date {
  const parts = SDK_DATE.exec(value);
  if (!parts) throw new Error(`signer shim: X-Sdk-Date ${JSON.stringify(value)} is not YYYYMMDDTHHmmssZ`);
  const [, year, month, day, hour, minute, second] = parts.map(Number) as number[];
  return new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
}
