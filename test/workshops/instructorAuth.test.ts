import assert from 'node:assert/strict';
import { SqliteStore } from '../../server/store/index.js';
import { InstructorAuth } from '../../server/workshops/index.js';

describe('instructor credential', () => {
  it('is generated once when none is configured, and only its hash is stored', () => {
    const store = new SqliteStore(':memory:');
    const first = InstructorAuth.init(store, undefined);
    assert.ok(first.generated && first.generated.length >= 24, 'a token to print once');
    const stored = store.getSetting('instructor_token_sha256');
    assert.ok(stored && !stored.includes(first.generated), 'the store holds a hash, not the token');
    const second = InstructorAuth.init(store, undefined);
    assert.equal(second.generated, null, 'never printed again');
    assert.equal(second.auth.verify(`Bearer ${first.generated}`), true);
    assert.equal(second.auth.verify('Bearer wrong'), false);
    assert.equal(second.auth.verify(undefined), false);
    assert.equal(second.auth.verify('Bearer '), false);
    store.close();
  });

  it('uses the configured token when there is one', () => {
    const store = new SqliteStore(':memory:');
    const { auth, generated } = InstructorAuth.init(store, 'configured-token-123');
    assert.equal(generated, null);
    assert.equal(auth.verify('Bearer configured-token-123'), true);
    assert.equal(auth.verify('configured-token-123'), true, 'socket.io auth passes the bare token');
    store.close();
  });
});
