// src/db/transient.ts classifyDbConnectError: what shiptrack-migrate's --wait-for-db waits for
// (issue 15) and what it fails on at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyDbConnectError } from '../../src/db/transient.js';

const e = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

test('classifyDbConnectError: causes that heal by themselves are transient, the rest are not', () => {
  const cases: [Error | string, string, boolean][] = [
    [e('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'refused', true],
    [e('connect ETIMEDOUT', 'ETIMEDOUT'), 'timeout', true],
    [e('timeout exceeded when trying to connect'), 'timeout', true],
    [e('connect EHOSTUNREACH', 'EHOSTUNREACH'), 'host_unreachable', true],
    [e('getaddrinfo EAI_AGAIN db', 'EAI_AGAIN'), 'dns_temporary', true],
    [e('the database system is starting up', '57P03'), 'starting_up', true],
    [e('sorry, too many clients already', '53300'), 'too_many_connections', true],
    [e('Connection terminated unexpectedly'), 'connection_lost', true],
    [e('password authentication failed for user "shiptrack"', '28P01'), 'auth', false],
    [e('Peer authentication failed for user "shiptrack"', '28000'), 'auth', false],
    [e('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), 'auth', false],
    [e('role "shiptrack" does not exist', '28000'), 'no_role', false],
    [e('role "shiptrack" is not permitted to log in', '28000'), 'no_login', false],
    [e('database "shiptrack" does not exist', '3D000'), 'no_database', false],
    [e('permission denied for database "shiptrack"', '42501'), 'permission', false],
    [e('no pg_hba.conf entry for host "10.0.0.2", user "shiptrack", database "shiptrack", no encryption', '28000'), 'ssl', false],
    [e('no pg_hba.conf entry for host "10.0.0.2", user "shiptrack", database "shiptrack", SSL encryption', '28000'), 'pg_hba', false],
    [e('The server does not support SSL connections'), 'ssl', false],
    [e('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), 'ssl', false],
    [e('getaddrinfo ENOTFOUND nosuchhost', 'ENOTFOUND'), 'unknown_host', false],
    [e('something else', '22003'), 'other', false],
    ['not an error', 'other', false],
  ];
  for (const [err, reason, transient] of cases) {
    const got = classifyDbConnectError(err);
    assert.deepEqual([got.reason, got.transient], [reason, transient], String(err instanceof Error ? err.message : err));
    assert.equal(typeof got.waitingFor === 'string', transient);
  }
});
