// Lagent's status enums (inventory 2): the numbers travel in serialised messages and state
// dicts, so every value must be Lagent's.
import { describe, expect, it } from 'vitest';
import {
  ActionStatusCode,
  ActionValidCode,
  AgentStatusCode,
  ModelStatusCode,
  ToolStatusCode,
} from '../../../../core/index.ts';

describe('status codes', () => {
  it('ActionStatusCode', () => {
    expect(ActionStatusCode).toEqual({
      ING: 1,
      SUCCESS: 0,
      HTTP_ERROR: -1000,
      ARGS_ERROR: -1001,
      API_ERROR: -1002,
    });
  });

  it('ActionValidCode', () => {
    expect(ActionValidCode).toEqual({ FINISH: 1, OPEN: 0, CLOSED: -1, INVALID: -2, ABSENT: -3 });
  });

  it('ModelStatusCode', () => {
    expect(ModelStatusCode).toEqual({
      END: 0,
      STREAM_ING: 1,
      SERVER_ERR: -1,
      SESSION_CLOSED: -2,
      SESSION_OUT_OF_LIMIT: -3,
      SESSION_INVALID_ARG: -4,
      SESSION_READY: 2,
    });
  });

  it('AgentStatusCode is ModelStatusCode plus the plugin and code states', () => {
    expect(AgentStatusCode).toEqual({
      END: 0,
      STREAM_ING: 1,
      SERVER_ERR: -1,
      SESSION_CLOSED: -2,
      SESSION_OUT_OF_LIMIT: -3,
      SESSION_INVALID_ARG: -4,
      SESSION_READY: 2,
      PLUGIN_START: 3,
      PLUGIN_END: 4,
      PLUGIN_RETURN: 5,
      CODING: 6,
      CODE_END: 7,
      CODE_RETURN: 8,
    });
  });

  it('ToolStatusCode', () => {
    expect(ToolStatusCode).toEqual({ NO_TOOL: 0, VALID_TOOL: 1, PARSING_ERROR: -1 });
  });

  it('gives every name of an enum its own value', () => {
    for (const codes of [
      ActionStatusCode,
      ActionValidCode,
      ModelStatusCode,
      AgentStatusCode,
      ToolStatusCode,
    ]) {
      const values = Object.values(codes);
      expect(new Set(values).size).toBe(values.length);
    }
  });
});
