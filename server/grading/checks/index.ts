/** The check runners by check type. Add entries to register TypeScript-defined check types. */
import type { Check } from '../../scenarios/types.js';
import type { CheckRunner } from '../types.js';
import { runAdmissionCheck } from './admission.js';
import { runApiReadyCheck } from './apiReady.js';
import { runAuditEventCheck } from './auditEvent.js';
import { runCanICheck } from './canI.js';
import { runNodeDockerfileCheck } from './dockerfile.js';
import { runNodeCommandCheck, runPodExecCheck } from './command.js';
import { runConnectivityCheck } from './connectivity.js';
import { runJsonPathCheck } from './jsonpath.js';
import { runNodeFileCheck } from './nodeFile.js';
import { runNodeHttpCheck } from './nodeHttp.js';
import { runNodeReadyCheck } from './nodeReady.js';
import { runEtcdValueCheck } from './etcd.js';
import { runEncryptionConfigCheck } from './encryptionConfig.js';
import { runNodeYamlCheck } from './nodeYaml.js';
import { runObjectAbsentCheck, runObjectCheck } from './object.js';

/** Registry keyed by `check.type`; the engine looks runners up here. */
export type CheckRegistry = Map<string, CheckRunner<Check>>;

/** A fresh registry holding the built-in runners (object, objectAbsent, jsonpath, podExec, nodeCommand, nodeFile, etcdValue, nodeYaml, encryptionConfig, canI, admission, nodeDockerfile, connectivity, apiReady, nodeHttp, nodeReady, auditEvent). */
export function defaultCheckRunners(): CheckRegistry {
  const registry: CheckRegistry = new Map();
  register(registry, 'object', runObjectCheck);
  register(registry, 'objectAbsent', runObjectAbsentCheck);
  register(registry, 'jsonpath', runJsonPathCheck);
  register(registry, 'podExec', runPodExecCheck);
  register(registry, 'nodeCommand', runNodeCommandCheck);
  register(registry, 'nodeFile', runNodeFileCheck);
  register(registry, 'etcdValue', runEtcdValueCheck);
  register(registry, 'nodeYaml', runNodeYamlCheck);
  register(registry, 'encryptionConfig', runEncryptionConfigCheck);
  register(registry, 'canI', runCanICheck);
  register(registry, 'admission', runAdmissionCheck);
  register(registry, 'apiReady', runApiReadyCheck);
  register(registry, 'nodeDockerfile', runNodeDockerfileCheck);
  register(registry, 'connectivity', runConnectivityCheck);
  register(registry, 'nodeHttp', runNodeHttpCheck);
  register(registry, 'nodeReady', runNodeReadyCheck);
  register(registry, 'auditEvent', runAuditEventCheck);
  return registry;
}

/** Adds (or replaces) the runner for `type`. */
export function register<C extends Check>(registry: CheckRegistry, type: C['type'] | string, runner: CheckRunner<C>): void {
  registry.set(type, runner as unknown as CheckRunner<Check>);
}

export { judgeCommand } from './command.js';
export { expectationText } from './jsonpath.js';
