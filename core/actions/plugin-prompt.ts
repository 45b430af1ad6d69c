import { formatTemplate } from '../internal/format-template.ts';
import type { Action, ApiDescription, ToolDescription } from './action.ts';

/** Lagent's `API_PREFIX`, a ready-made `apiDescTemplate`. */
export const API_PREFIX =
  "This is the subfunction for tool '{tool_name}', you can use this tool. The description of this function is: \n{description}";

/**
 * Lagent's `get_plugin_prompt`: the actions' descriptions as indented JSON for a prompt,
 * toolkit APIs named `Tool.api` with their descriptions passed through `apiDescTemplate`.
 */
export function getPluginPrompt({
  actions,
  apiDescTemplate = '{description}',
}: {
  actions: readonly Action[];
  apiDescTemplate?: string;
}): string {
  const described = actions.flatMap((action): ToolDescription[] => {
    const description = action.description;
    if (!('api_list' in description)) return [description];
    return description.api_list.map((api): ApiDescription => ({
      ...api,
      name: `${action.name}.${api.name}`,
      description: formatTemplate(apiDescTemplate, {
        tool_name: action.name,
        description: api.description,
      }),
    }));
  });
  return JSON.stringify(described, null, 4);
}
