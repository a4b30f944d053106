// The fake Docker daemon's availability (FAKE_DOCKER_DOWN=1 simulates a stopped daemon).
export const DAEMON_DOWN_MESSAGE = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

export function dockerDown(env = process.env) {
  return Boolean(env.FAKE_DOCKER_DOWN) && env.FAKE_DOCKER_DOWN !== '0';
}

/** kind's wrapping of a failed docker command: `command "…" failed with error: exit status 1` + output. */
export function kindCommandError(prefix, command, output, status = 1) {
  return `${prefix}command "${command}" failed with error: exit status ${status}\nCommand Output: ${output}`;
}
