// Issue 12 point 14 against the testbed: the realm rule keeps the production registry (plain http on
// loopback, basic auth) working: the login goes to its own origin, a wrong one is refused as before.
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/executors/registry.js';
import { OperationError } from '../../src/util/errors.js';
import { testbed } from './testbed.js';

describe('the production registry with the realm rule', () => {
  it('takes the login (Basic on its own origin) and lists a repository of this helper', async () => {
    const host = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY');
    const login = {
      username: testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_USER'),
      password: testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_PASSWORD'),
    };
    const registry = new Registry(host, login);
    await registry.checkPushAccess('secsup/realm-check');
    expect(await registry.tags('secsup/realm-check')).toEqual([]);
  });

  it('refuses a wrong password with the message it always had', async () => {
    const host = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY');
    const err = await new Registry(host, { username: 'secsup', password: 'wrong' })
      .checkPushAccess('secsup/realm-check')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toBe(
      `registry ${host} refused the login of secsup (HTTP 401); check the user name and password`,
    );
  });
});
