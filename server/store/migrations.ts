/** Schema migrations, applied in order; `user_version` records how many ran. Append only. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE learners (
     id TEXT PRIMARY KEY,
     created_at TEXT NOT NULL
   );
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     learner_id TEXT NOT NULL REFERENCES learners(id),
     scenario_id TEXT NOT NULL,
     cluster_name TEXT NOT NULL UNIQUE,
     state TEXT NOT NULL CHECK (state IN ('provisioning','ready','failed','ended')),
     secret_hash TEXT NOT NULL,
     error TEXT,
     created_at TEXT NOT NULL,
     last_activity_at TEXT NOT NULL,
     ended_at TEXT
   );
   CREATE INDEX sessions_learner ON sessions(learner_id, created_at);
   CREATE INDEX sessions_state ON sessions(state);
   CREATE TABLE attempts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL REFERENCES sessions(id),
     created_at TEXT NOT NULL,
     score INTEGER NOT NULL,
     max_score INTEGER NOT NULL,
     passed INTEGER NOT NULL,
     result_json TEXT NOT NULL
   );
   CREATE INDEX attempts_session ON attempts(session_id, id);`,
];
