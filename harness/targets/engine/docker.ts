// Whether a container runtime is reachable, decided the way testcontainers decides it, so that the
// image target can say "skipped: no Docker daemon" instead of failing every case.

export type DockerProbe = { available: true } | { available: false; reason: string };

export async function probeDocker(): Promise<DockerProbe> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { available: true };
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { available: false, reason: `no Docker daemon is reachable (testcontainers: ${detail}); start Docker or set DOCKER_HOST to run an engine image` };
  }
}
