import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';

/** A source of configuration values stored under a path prefix. */
export interface SsmParameterSource {
  /** Returns `{ NAME: value }` for every parameter under `prefix` (recursive, decrypted). */
  load(prefix: string): Promise<Record<string, string>>;
}

/**
 * Reads AWS SSM Parameter Store. `/findme/prod/SECRET_KEY` under prefix
 * `/findme/prod` becomes `SECRET_KEY`; nested paths join with `_`
 * (`/findme/prod/smtp/url` → `SMTP_URL`). SecureStrings are decrypted.
 */
export class AwsSsmParameterSource implements SsmParameterSource {
  constructor(private readonly client: SSMClient) {}

  static create(region: string | undefined): AwsSsmParameterSource {
    return new AwsSsmParameterSource(new SSMClient(region ? { region } : {}));
  }

  async load(prefix: string): Promise<Record<string, string>> {
    const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
    const values: Record<string, string> = {};
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetParametersByPathCommand({
          Path: prefix,
          Recursive: true,
          WithDecryption: true,
          MaxResults: 10,
          NextToken: nextToken,
        }),
      );
      for (const parameter of page.Parameters ?? []) {
        if (!parameter.Name || parameter.Value === undefined) continue;
        const relative = parameter.Name.startsWith(base) ? parameter.Name.slice(base.length) : parameter.Name;
        values[relative.replace(/\//g, '_').toUpperCase()] = parameter.Value;
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return values;
  }
}
