// The Python client (clients/python) against the real service: its unittest suite runs in a
// python3 child process, with LAGENT_URL pointing at a service whose jobs run on real Docker
// sandboxes. The verbose output is read test by test, so a test that was skipped (rather
// than run) fails this file unless it is one that may be.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestService } from '../../support/service-fixture.ts';
import { startTestService } from '../../support/service-fixture.ts';
import { hashApiKey } from '../../../workers/service/tenants.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const clientRoot = join(root, 'clients', 'python');

/** The whole Python suite on a loaded 2-core machine, sandboxes starting under gVisor. */
const SUITE_TIMEOUT_MS = 300_000;
/** The child is stopped a little before vitest gives up, so its output is still reported. */
const CHILD_TIMEOUT_MS = SUITE_TIMEOUT_MS - 15_000;

/** Every one of these must run and pass. */
const MUST_PASS = [
  'tests.test_error_mapping.ErrorMappingTests.test_an_answer_without_the_error_shape',
  'tests.test_error_mapping.ErrorMappingTests.test_issues_retryable_and_retry_after',
  'tests.test_error_mapping.ErrorMappingTests.test_the_status_picks_the_class',
  'tests.test_errors.ErrorTests.test_a_bad_body_is_a_validation_error',
  'tests.test_errors.ErrorTests.test_a_refused_value_is_an_invalid_argument',
  'tests.test_errors.ErrorTests.test_an_unknown_job_is_not_found',
  'tests.test_errors.ErrorTests.test_an_unreachable_service_is_a_connection_error',
  'tests.test_event_resume.EventResumeTests.test_an_unknown_job_is_not_retried',
  'tests.test_event_resume.EventResumeTests.test_gives_up_when_the_stream_keeps_dropping',
  'tests.test_event_resume.EventResumeTests.test_reconnects_after_a_dropped_connection',
  'tests.test_event_resume.EventResumeTests.test_starts_after_the_given_last_event_id',
  'tests.test_events.EventTests.test_events_of_a_job',
  'tests.test_events.EventTests.test_leaving_the_loop_early_then_resuming',
  'tests.test_events.EventTests.test_resume_after_a_last_event_id',
  'tests.test_jobs.JobTests.test_cancel_a_running_job',
  'tests.test_jobs.JobTests.test_platform_reads',
  'tests.test_jobs.JobTests.test_submit_and_wait',
  'tests.test_jobs.JobTests.test_the_same_job_id_runs_once',
  'tests.test_jobs.JobTests.test_wait_running_out_leaves_the_job_running',
  'tests.test_lagent_action.LagentActionTests.test_a_run_past_its_deadline',
  'tests.test_lagent_action.LagentActionTests.test_a_traceback_comes_back_as_errmsg',
  'tests.test_lagent_action.LagentActionTests.test_an_unreachable_service_is_an_http_error',
  'tests.test_lagent_action.LagentActionTests.test_images_become_image_entries',
  'tests.test_lagent_action.LagentActionTests.test_state_lasts_until_reset',
  'tests.test_lagent_action.LagentActionTests.test_the_action_interface',
  'tests.test_lagent_action.LagentActionTests.test_the_seed_marie_and_jay_code',
  'tests.test_run_code.RunCodeTests.test_code_error_is_a_result',
  'tests.test_run_code.RunCodeTests.test_envs_reach_the_code',
  'tests.test_run_code.RunCodeTests.test_state_lasts_in_a_session',
];

/** The session and file routes' tests, and the API key's: they run here and must pass. */
const SESSION_TESTS = [
  'tests.test_files.FileTests.test_a_file_over_the_cap_is_refused',
  'tests.test_files.FileTests.test_the_code_sees_the_session_files',
  'tests.test_files.FileTests.test_unknown_files_and_sessions_are_not_found',
  'tests.test_files.FileTests.test_upload_list_and_download',
  'tests.test_sessions.SessionTests.test_open_list_use_and_close',
  'tests.test_sessions.SessionTests.test_the_service_names_a_session',
  'tests.test_auth.AuthTests.test_a_wrong_or_missing_key_is_refused',
];

/** The service asks for this key (one tenant), so the client's key handling is exercised. */
const API_KEY = 'python-client-suite-0123456789';

interface SuiteRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** `python3 -m unittest discover -v` of the client's tests, to its end. */
function runPythonSuite(env: NodeJS.ProcessEnv): Promise<SuiteRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'python3',
      ['-m', 'unittest', 'discover', '-v', '-s', join(clientRoot, 'tests'), '-t', clientRoot],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const append = (chunk: Buffer) => (output += chunk.toString('utf8'));
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/**
 * Each test's outcome (`ok`, `skipped '...'`, `FAIL`, `ERROR`, ...) by its id, from unittest's
 * verbose lines: `name (id) ... ok`, with the docstring's first line before ` ... ` when the
 * test has one. Python before 3.11 writes the class's id, not the test's, in parentheses.
 */
function parseOutcomes(output: string): Map<string, string> {
  const outcomes = new Map<string, string>();
  const line =
    /^(\w+) \(([\w.]+)\)(?:\n[^\n]*?)? \.\.\. (ok|FAIL|ERROR|expected failure|unexpected success|skipped .*)$/gm;
  for (const [, name = '', where = '', outcome = ''] of output.matchAll(line)) {
    outcomes.set(where.endsWith(`.${name}`) ? where : `${where}.${name}`, outcome);
  }
  return outcomes;
}

describe('the Python client against the service', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({
      mode: 'embedded',
      service: { tenants: { tenants: [{ id: 'python', keys: [hashApiKey(API_KEY)] }] } },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  test(
    'its unittest suite passes: jobs, events, cancel, typed errors, the drop-in Lagent action',
    async () => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        LAGENT_URL: t.url,
        LAGENT_API_KEY: API_KEY,
        LAGENT_TEST_SESSIONS: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
      };
      const run = await runPythonSuite(env);
      const report = `python3 -m unittest output:\n${run.output}`;
      expect(run.signal, report).toBeNull();
      expect(run.code, report).toBe(0);

      const outcomes = parseOutcomes(run.output);
      const ran = Number(/^Ran (\d+) tests? in /m.exec(run.output)?.[1]);
      expect(outcomes.size, `every test's line was read\n${report}`).toBe(ran);
      for (const id of [...MUST_PASS, ...SESSION_TESTS]) {
        expect(outcomes.get(id), `${id}\n${report}`).toBe('ok');
      }
      // Any other test (one added later, say) must pass too: a skip is never silent.
      const unexpected = [...outcomes].filter(([, outcome]) => outcome !== 'ok');
      expect(unexpected, report).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );
});
