// Where the fakes keep their state, and where the project's own files are.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** test/fakes (the folder holding bin/, lib/ and kube-apiserver/). */
export const FAKES_DIR = path.resolve(here, '..');
/** Folder of the fake `kind` and `docker` executables. */
export const BIN_DIR = path.join(FAKES_DIR, 'bin');
/** Project root (holds node_modules). */
export const PROJECT_ROOT = path.resolve(FAKES_DIR, '..', '..');

/** Root of all fake state: $CKS_FAKE_HOME or <tmpdir>/cks-fake-home. */
export function fakeHome(env = process.env) {
  return path.resolve(env.CKS_FAKE_HOME || path.join(os.tmpdir(), 'cks-fake-home'));
}

export function clustersDir(env = process.env) {
  return path.join(fakeHome(env), 'clusters');
}

export function clusterDir(name, env = process.env) {
  return path.join(clustersDir(env), name);
}

/** The control-plane node's own files, as they appear at / inside the node. */
export function nodeDir(name, env = process.env) {
  return path.join(clusterDir(name, env), 'node');
}

export function nodeName(cluster) {
  return `${cluster}-control-plane`;
}

/**
 * A worker (or extra control-plane) node's own folder: its files at `<dir>/node`, its rootfs and
 * overlay work dirs beside them (the control-plane node keeps the cluster dir's own layout).
 */
export function extraNodeDir(cluster, node, env = process.env) {
  return path.join(clusterDir(cluster, env), 'nodes', node);
}
