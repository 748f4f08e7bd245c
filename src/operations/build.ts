// The build operation: check the jar, build the job image through the Docker Engine API from exactly
// the files the plan lists, tag it from the git context, push it and report it by digest. The build
// verb and `up` call it with a typed BuildRequest.
// Everything that can be wrong with the input is found before the engine or a registry is touched.
import { stripVTControlCharacters } from 'node:util';
import { parseBuildArgs } from '../build/buildArgs.js';
import { contextEntries, tarContext } from '../build/context.js';
import {
  dockerAuth,
  fromDockerConfigWithHelpers,
  readDockerConfig,
  registryHost,
  repositoryPath,
  resolveCredentials,
} from '../build/credentials.js';
import { readGitContext, sourceDate } from '../build/gitContext.js';
import {
  applyOverrides,
  checkContextFiles,
  checkJobJar,
  checkSources,
  flagIssue,
  mavenOptions,
  specIssue,
} from '../build/inputs.js';
import { locateSpecField } from '../build/locate.js';
import { imageLabels, tagsFor } from '../build/metadata.js';
import type { BuildResult } from '../build/render.js';
import type { BuildRequest } from '../options/build.js';
import { BuildFailed, DockerEngine } from '../executors/docker.js';
import { Registry } from '../executors/registry.js';
import { jarFileName, planImage, SQL_RUNNER_CLASS } from '../plan/image.js';
import { resolveNamedEnvironment } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { resolveEnvironment } from '../spec/resolve.js';
import { checkSqlInImage, sqlContextFiles, type SqlCheck } from '../build/sqlJob.js';
import type { Ui } from '../ui/ui.js';
import { InputError, OperationError } from '../util/errors.js';

export async function build(request: BuildRequest, ui: Ui): Promise<BuildResult> {
  const { origin } = request;
  const loaded = loadSpec(request.config);
  const envName = request.env;
  const env =
    envName === undefined ? resolveEnvironment(loaded.spec, '') : resolveNamedEnvironment(loaded, envName);
  const field = (path: string[]) => locateSpecField(loaded, envName, path);

  // Flags and inputs first: they are cheap, and wrong ones stop everything.
  const { baseFromFlags } = applyOverrides(env, request, origin);
  const buildArgs = parseBuildArgs(request['build-arg'], origin);
  const image = planImage(env, loaded.file, { buildArgs: Object.keys(buildArgs) });
  const repository = image.repository;
  // Only files of the spec's repository, by their real paths, before any of them is read.
  const entries = await checkSources(
    loaded,
    env,
    envName,
    image,
    contextEntries(image.context, loaded.dir, image.dockerfile),
  );

  // The jar (or the SQL script, read and split by loadSpec) and every file of the context, before any build.
  const script = env.job.sql !== undefined ? loaded.scripts?.[env.job.sql] : undefined;
  if (env.job.sql !== undefined && script === undefined) {
    throw new OperationError(`the script ${env.job.sql} was not read with the spec`);
  }
  const entryClass = script
    ? SQL_RUNNER_CLASS
    : await ui.group(`Check the job jar ${env.job.jar!}`, async () => {
        const jar = await checkJobJar(loaded, env, envName, entries[entries.length - 1]!.file!);
        ui.info(
          `${jarFileName(env.job.jar!)}: ${jar.classes} classes; entry class ${jar.entryClass}${jar.fromManifest ? ' (from the manifest)' : ''}`,
        );
        return jar.entryClass;
      });
  await checkContextFiles(loaded, env, envName, image, entries);
  const maven = mavenOptions(request, origin);

  if (!image.pinned) {
    const base = field(['image', 'base']);
    ui.warning(
      `image.base ${image.base} is not pinned by digest; set image.baseDigest so that every build starts from the same bytes`,
      baseFromFlags ? undefined : { file: loaded.file, ...base.at },
    );
  }

  const host = registryHost(repository);
  const dockerConfig = await readDockerConfig();
  // Push credentials are needed to push; a local (--no-push) build asks for none unless some were given.
  const loginGiven =
    request['registry-username'] !== undefined ||
    request['registry-password'] !== undefined ||
    request['registry-password-stdin'];
  const credentials =
    request.push || loginGiven
      ? await resolveCredentials(request, origin, host, dockerConfig, ui)
      : undefined;
  const git = await readGitContext(loaded.dir);
  const tags = tagsFor(git, request.tag, origin);
  if (tags.length === 0) {
    throw new InputError([
      flagIssue(origin, 'tag', 'no tag: not in a git repository, so there is no commit to tag; give one'),
    ]);
  }
  const labels = imageLabels(git, {
    title: loaded.spec.name,
    flinkVersion: env.flinkVersion,
    entryClass,
    created: await sourceDate(loaded.dir),
  });
  if (script) {
    labels['dev.flinkship.sql.digest'] = script.digest;
    labels['dev.flinkship.sql.script'] = image.sqlPath!;
  }
  const auth = credentials && dockerAuth(credentials, host);

  // Input is valid. Now the outside systems: registry login first, so a refused push costs no build.
  const registry = new Registry(host, credentials);
  if (request.push) {
    await ui.group(`Check push access to ${host}`, async () => {
      await registry.checkPushAccess(repositoryPath(repository));
      ui.info(
        `${host}: ${credentials ? `logged in as ${credentials.username} (${credentials.from})` : 'no login needed'}`,
      );
    });
  }
  if (script) {
    // The runner and the connectors: files of the context that are not the spec's.
    const sql = await sqlContextFiles(loaded, env, envName, image, maven, ui);
    for (const entry of entries) {
      const file = sql.files.get(entry.name);
      if (file !== undefined) {
        delete entry.content;
        entry.file = file;
      }
    }
    labels['dev.flinkship.sql-runner.sha256'] = sql.runnerSha256;
  }
  const engine = new DockerEngine();
  await engine.ping();
  await ui.group(`Base image ${image.from}`, async () => {
    const present = await engine.inspect(image.from);
    if (present) {
      ui.info(`${image.from}: present (${present.id})`);
      return;
    }
    try {
      // A private base image: the same login when it lives on the same registry, else the Docker config's.
      const baseHost = registryHost(image.from);
      // (credential helpers included, as Docker resolves them; the login is masked as it is read).
      const baseLogin =
        baseHost === host && credentials
          ? credentials
          : await fromDockerConfigWithHelpers(dockerConfig, baseHost, origin, ui);
      await engine.pull(image.from, baseLogin && dockerAuth(baseLogin, baseHost), (line) => ui.info(line));
    } catch (err) {
      const message = (err as Error).message;
      if (
        /not found|manifest unknown|does not exist|repository name not known|pull access denied/i.test(
          message,
        )
      ) {
        const where = baseFromFlags
          ? flagIssue(origin, 'base-image', '')
          : specIssue(loaded, field(image.pinned ? ['image', 'baseDigest'] : ['image', 'base']), '');
        throw new InputError([
          {
            ...where,
            message: `the base image ${image.from} does not exist (${message}); name an image the engine has or can pull`,
          },
        ]);
      }
      throw new OperationError(`pulling the base image ${image.from} failed: ${message}`);
    }
  });

  const firstTag = `${repository}:${tags[0]}`;
  const imageId = await ui.group(`Build ${firstTag}`, async () => {
    try {
      return await engine.build(tarContext(entries), { tag: firstTag, buildArgs, labels }, (line) =>
        ui.info(line),
      );
    } catch (err) {
      // The plugin step's own message (see planImage) says which plugin the base image lacks.
      const marker = 'flinkship: image.plugins: ';
      const plugin =
        err instanceof BuildFailed &&
        err.log.map((l) => stripVTControlCharacters(l).trim()).find((l) => l.startsWith(marker));
      if (plugin) {
        throw new InputError([specIssue(loaded, field(['image', 'plugins']), plugin.slice(marker.length))]);
      }
      throw err;
    }
  });
  let sqlCheck: SqlCheck | undefined;
  if (script) {
    // Flink's own parser and planner, in the image just built, before anything is pushed.
    sqlCheck = await ui.group(
      `Check ${script.file} with Flink ${env.flinkVersion} in the image`,
      async () => {
        try {
          const check = await checkSqlInImage(engine, imageId, image, script, ui);
          ui.info(
            `${script.file}: ${check.statements} statements, ${check.inserts} INSERT(s) in one job; ${check.validated ? 'parsed and planned' : 'parsed'} by Flink ${env.flinkVersion}`,
          );
          return check;
        } catch (err) {
          // A script Flink rejects is never tagged or pushed.
          await engine.remove(imageId).catch(() => undefined);
          throw err;
        }
      },
    );
  }
  for (const tag of tags.slice(1)) await engine.tag(imageId, repository, tag);

  let digest: string | undefined;
  if (request.push) {
    await ui.group(`Push ${repository} (${tags.join(', ')})`, async () => {
      for (const tag of tags) {
        const pushed = await engine.push(repository, tag, auth, (line) => ui.info(line));
        if (digest !== undefined && pushed.digest !== digest) {
          throw new OperationError(
            `${repository}:${tag} was stored as ${pushed.digest}, but ${tags[0]} as ${digest}; the registry changed the image`,
          );
        }
        digest = pushed.digest;
        ui.info(`${repository}:${tag} → ${pushed.digest}`);
      }
    });
  }

  return {
    repository,
    image: digest ? `${repository}@${digest}` : firstTag,
    ...(digest ? { digest } : {}),
    tags: tags.map((t) => `${repository}:${t}`),
    imageId,
    pushed: request.push,
    from: image.from,
    pinned: image.pinned,
    entryClass,
    flinkVersion: env.flinkVersion,
    labels,
    dockerfile: image.dockerfile,
    ...(script && sqlCheck
      ? {
          sql: {
            script: script.file,
            digest: script.digest,
            statements: sqlCheck.statements,
            inserts: sqlCheck.inserts,
          },
        }
      : {}),
  };
}
