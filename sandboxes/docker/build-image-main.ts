// `npm run build:image`: builds the sandbox image for this recipe unless it exists.
import Dockerode from 'dockerode';
import { buildSandboxImage } from './sandbox-image.ts';

const tag = await buildSandboxImage({
  docker: new Dockerode(),
  log: (line) => console.log(`[image] ${line}`),
});
console.log(tag);
