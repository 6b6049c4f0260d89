import type { ExampleApp, Reply, Session } from './example-app';

export const PASSWORDS = {
  alice: 'alice-very-secret-pw',
  bob: 'bob-hunter2-hunter2',
  carol: 'carol-s3cr3t-passphrase',
  dave: 'dave-correct-horse',
} as const;

export interface ScenarioResult {
  users: Record<keyof typeof PASSWORDS, string>;
  /** Each user logged in (access tokens for `app.call(..., { as })`). */
  sessions: Record<keyof typeof PASSWORDS, Session>;
  organizationId: string;
  tournamentId: string;
  raceIds: { bob: string; carol: string };
  matchId: string;
  /** Correlation ids of notable requests. */
  requests: { signup: string; approveRace: string; endTournament: string; acceptInvite: string };
}

function expectStatus(reply: Reply, status: number, what: string): void {
  if (reply.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
}

/**
 * The story the example app tells: people sign up, alice creates an organization, invites bob (who accepts) and
 * adds carol directly, runs a tournament with races and a match, and ends it. Every step over real HTTP, each
 * person with the token their login gave them.
 */
export async function runTournamentScenario(app: ExampleApp, suffix = ''): Promise<ScenarioResult> {
  const users = {} as Record<keyof typeof PASSWORDS, string>;
  const sessions = {} as Record<keyof typeof PASSWORDS, Session>;
  let signup = '';
  for (const name of Object.keys(PASSWORDS) as (keyof typeof PASSWORDS)[]) {
    const reply = await app.call('POST', '/users', {
      body: {
        username: `${name}${suffix}`,
        email: `${name}${suffix}@example.com`,
        password: PASSWORDS[name],
      },
    });
    expectStatus(reply, 201, `sign up ${name}`);
    users[name] = reply.body.id;
    sessions[name] = await app.login(`${name}${suffix}`, PASSWORDS[name]);
    if (name === 'alice') signup = reply.correlationId;
  }
  const { alice, bob, carol } = sessions;

  const org = await app.call('POST', '/organizations', {
    as: alice,
    body: { name: `Speedrunners${suffix}`, description: 'Fast people' },
  });
  expectStatus(org, 201, 'create organization');
  const organizationId: string = org.body.id;

  const invite = await app.call('POST', `/organizations/${organizationId}/invites`, {
    as: alice,
    body: { email: `bob${suffix}@example.com` },
  });
  expectStatus(invite, 201, 'invite bob');
  const accepted = await app.call('POST', `/invites/${invite.body.id}/accept`, { as: bob });
  expectStatus(accepted, 200, 'bob accepts');

  expectStatus(
    await app.call('POST', `/organizations/${organizationId}/members`, {
      as: alice,
      body: { userId: carol.id },
    }),
    201,
    'add carol',
  );
  expectStatus(
    await app.call('PUT', `/organizations/${organizationId}/members/${carol.id}/permission`, {
      as: alice,
      body: { permission: 'admin' },
    }),
    200,
    'make carol admin',
  );

  const tournament = await app.call('POST', '/tournaments', {
    as: alice,
    body: { organizationId, name: 'Spring Cup', game: 'Celeste' },
  });
  expectStatus(tournament, 201, 'create tournament');
  const tournamentId: string = tournament.body.id;
  for (const player of [bob, carol]) {
    expectStatus(
      await app.call('POST', `/tournaments/${tournamentId}/participants`, { as: player }),
      201,
      'join',
    );
  }
  expectStatus(await app.call('POST', `/tournaments/${tournamentId}/start`, { as: alice }), 200, 'start');

  const bobRace = await app.call('POST', `/tournaments/${tournamentId}/races`, {
    as: bob,
    body: { timeMs: 62_345 },
  });
  expectStatus(bobRace, 201, 'bob submits a race');
  const carolRace = await app.call('POST', `/tournaments/${tournamentId}/races`, {
    as: carol,
    body: { timeMs: 70_000 },
  });
  expectStatus(carolRace, 201, 'carol submits a race');
  const approve = await app.call('POST', `/tournaments/${tournamentId}/races/${bobRace.body.id}/approve`, {
    as: alice,
  });
  expectStatus(approve, 200, 'approve bob’s race');
  expectStatus(
    await app.call('POST', `/tournaments/${tournamentId}/races/${carolRace.body.id}/reject`, {
      as: alice,
      body: { reason: 'video cuts off before the end' },
    }),
    200,
    'reject carol’s race',
  );

  const match = await app.call('POST', `/tournaments/${tournamentId}/matches`, {
    as: alice,
    body: { playerA: bob.id, playerB: carol.id, scheduledAt: '2026-12-01T18:00:00.000Z' },
  });
  expectStatus(match, 201, 'schedule a match');
  expectStatus(
    await app.call('POST', `/tournaments/${tournamentId}/matches/${match.body.id}/complete`, {
      as: alice,
      body: { winnerId: bob.id, score: '3-1' },
    }),
    200,
    'complete the match',
  );
  const end = await app.call('POST', `/tournaments/${tournamentId}/end`, { as: alice });
  expectStatus(end, 200, 'end the tournament');
  await app.settle();

  return {
    users,
    sessions,
    organizationId,
    tournamentId,
    raceIds: { bob: bobRace.body.id, carol: carolRace.body.id },
    matchId: match.body.id,
    requests: {
      signup,
      approveRace: approve.correlationId,
      endTournament: end.correlationId,
      acceptInvite: accepted.correlationId,
    },
  };
}

/** Depth-first list of `type` of every node of a trace, with the parent's type: `parent > child`. */
export function edges(nodes: { type: string; children: any[] }[], parent = ''): string[] {
  return nodes.flatMap((node) => [
    ...(parent ? [`${parent} > ${node.type}`] : []),
    ...edges(node.children, node.type),
  ]);
}
