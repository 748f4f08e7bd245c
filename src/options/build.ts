// The build verb's options, in a module of their own: the CLI and the action parse flags and inputs
// with them, and the build operation's request is typed by them.
import { PASSWORD_ENV } from '../build/credentials.js';
import { COMMON_OPTIONS, type OptionDefs, type OptionsOf, type Origin } from './options.js';

export const BUILD_OPTIONS = {
  ...COMMON_OPTIONS,
  env: {
    kind: 'string',
    description: "The environment whose image settings to build with; the spec's top level when not given.",
    valueName: 'name',
  },
  repository: {
    kind: 'string',
    description: 'The repository to push to (host/path), instead of image.repository.',
    valueName: 'host/path',
  },
  'base-image': {
    kind: 'string',
    description: 'The base image, instead of image.base (with @sha256:... to pin it).',
    valueName: 'ref',
  },
  tag: {
    kind: 'list',
    description: 'Extra tags, besides the commit sha, the branch, pr-<n> and the release version from git.',
    valueName: 'tag',
  },
  'build-arg': {
    kind: 'list',
    description: 'Build args, NAME=value; the Dockerfile declares each NAME.',
    valueName: 'NAME=value',
  },
  'maven-repository': {
    kind: 'list',
    description:
      "Maven repositories (a mirror of Maven Central) to fetch a SQL job's job.connectors from, tried in order; Maven Central when not given.",
    valueName: 'url',
  },
  push: {
    kind: 'boolean',
    default: true,
    description:
      'Push the image and its tags; with false (--no-push) the image is only loaded into the engine.',
  },
  'registry-username': {
    kind: 'string',
    description: 'The registry user; without it, the Docker config file is used.',
    valueName: 'user',
  },
  'registry-password': {
    kind: 'string',
    only: 'inputs',
    description: 'The registry password or token (masked in the log).',
  },
  'registry-password-stdin': {
    kind: 'boolean',
    only: 'flags',
    default: false,
    description: `Read the registry password from stdin (otherwise from ${PASSWORD_ENV}).`,
  },
} as const satisfies OptionDefs;

/**
 * What to build, typed: the build verb's parsed flags or inputs, or what `up` builds with. `origin`
 * says which entry point the values came from, so that a message names a flag or an input.
 */
export type BuildRequest = Omit<OptionsOf<typeof BUILD_OPTIONS>, 'output'> & { origin: Origin };
