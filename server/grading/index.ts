/** Grading: the check engine, its runners, matching and JSONPath helpers, and result renderings. */
export * from './types.js';
export { CheckEngine, DEFAULT_CHECK_TIMEOUT_MS, type CheckEngineOptions } from './engine.js';
export { defaultCheckRunners, register, judgeCommand, expectationText, type CheckRegistry } from './checks/index.js';
export { matchObject, matches, summarizeMismatches, type Mismatch } from './match.js';
export { evaluateJsonPath, toJsonPathPlus, JsonPathError } from './jsonpath.js';
export { toGradeJson, formatText } from './format.js';
export { API_RESTARTING, apiDownLine } from './apiRestart.js';
