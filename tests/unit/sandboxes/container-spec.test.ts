import { describe, expect, test } from 'vitest';
import { containerSpec, SANDBOX_ENTRYPOINT } from '../../../sandboxes/docker/container-spec.ts';
import { resolveDockerSandboxOptions } from '../../../sandboxes/docker/docker-sandbox-options.ts';

describe('containerSpec', () => {
  const spec = (user?: string) =>
    containerSpec({
      name: 'n',
      owner: 'o',
      options: resolveDockerSandboxOptions(user === undefined ? {} : { user }, 'image:tag'),
    });

  test('no log of the sandbox output is kept on the host', () => {
    expect(spec().HostConfig?.LogConfig).toEqual({ Type: 'none', Config: {} });
  });

  test('the relay starts as root with only what starting the driver as the user needs', () => {
    const created = spec('1234:5678');
    expect(created.User).toBe('0:0');
    expect(created.Entrypoint).toEqual(SANDBOX_ENTRYPOINT);
    // The relay is PID 1: docker-init would be a root process that keeps the capabilities.
    expect(created.HostConfig?.Init).toBe(false);
    expect(created.Env).toContain('LAGENT_USER=1234:5678');
    expect(created.HostConfig?.CapDrop).toEqual(['ALL']);
    expect(created.HostConfig?.CapAdd).toEqual(['SETUID', 'SETGID', 'SETPCAP']);
    expect(created.HostConfig?.SecurityOpt).toContain('no-new-privileges:true');
    expect(created.HostConfig?.Tmpfs?.['/tmp']).toContain('uid=1234,gid=5678');
  });
});
