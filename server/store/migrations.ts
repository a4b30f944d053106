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
  // Workshops, the instructor credential, the warm pool; sessions belong to a workshop seat.
  `CREATE TABLE settings (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   CREATE TABLE workshops (
     id TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     join_code TEXT NOT NULL UNIQUE,
     scenarios_json TEXT NOT NULL,
     seats INTEGER NOT NULL,
     starts_at TEXT NOT NULL,
     ends_at TEXT NOT NULL,
     time_limit_minutes INTEGER,
     background_check_seconds INTEGER,
     state TEXT NOT NULL CHECK (state IN ('open','ended')),
     created_at TEXT NOT NULL,
     ended_at TEXT
   );
   CREATE TABLE seats (
     id TEXT PRIMARY KEY,
     workshop_id TEXT NOT NULL REFERENCES workshops(id),
     learner_id TEXT NOT NULL REFERENCES learners(id),
     display_name TEXT NOT NULL,
     joined_at TEXT NOT NULL,
     scenario_index INTEGER NOT NULL DEFAULT 0,
     extra_minutes INTEGER NOT NULL DEFAULT 0,
     UNIQUE (workshop_id, learner_id)
   );
   CREATE UNIQUE INDEX seats_name ON seats(workshop_id, display_name COLLATE NOCASE);
   ALTER TABLE sessions ADD COLUMN seat_id TEXT REFERENCES seats(id);
   ALTER TABLE attempts ADD COLUMN source TEXT NOT NULL DEFAULT 'learner';
   CREATE TABLE pool_clusters (
     name TEXT PRIMARY KEY,
     lab TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('provisioning','ready','failed')),
     created_at TEXT NOT NULL,
     error TEXT
   );`,
  // Scenario parameter values a session runs with (JSON object; NULL = the scenario's defaults).
  `ALTER TABLE sessions ADD COLUMN params TEXT;`,
  // Mock exam attempts (server/exams): the server owns the clock; results are graded once.
  `CREATE TABLE exam_attempts (
     id TEXT PRIMARY KEY,
     learner_id TEXT NOT NULL REFERENCES learners(id),
     exam_id TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('provisioning','running','grading','finished','failed')),
     plan TEXT NOT NULL,
     error TEXT,
     created_at TEXT NOT NULL,
     started_at TEXT,
     ends_at TEXT,
     finished_at TEXT,
     result TEXT,
     flags TEXT NOT NULL DEFAULT '[]'
   );
   CREATE INDEX exam_attempts_learner ON exam_attempts(learner_id, created_at);
   ALTER TABLE sessions ADD COLUMN exam_attempt_id TEXT REFERENCES exam_attempts(id);`,
  // Which question an exam candidate looked at when (time spent per question).
  `ALTER TABLE exam_attempts ADD COLUMN views TEXT NOT NULL DEFAULT '[]';`,
  // Live auto-check of a practice lab (opt-in): graded in the background, results pushed.
  `ALTER TABLE sessions ADD COLUMN auto_check INTEGER NOT NULL DEFAULT 0;`,
  // A workshop whose content is a mock exam: its exam and the shared end of the exam's clock; each
  // seat's attempt belongs to the seat and may run only between the workshop's start and that end.
  `ALTER TABLE workshops ADD COLUMN exam_id TEXT;
   ALTER TABLE workshops ADD COLUMN exam_ends_at TEXT;
   ALTER TABLE exam_attempts ADD COLUMN seat_id TEXT REFERENCES seats(id);
   ALTER TABLE exam_attempts ADD COLUMN opens_at TEXT;
   ALTER TABLE exam_attempts ADD COLUMN closes_at TEXT;
   CREATE INDEX exam_attempts_seat ON exam_attempts(seat_id, created_at);`,
];
