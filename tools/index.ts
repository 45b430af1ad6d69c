// lagent-ts/tools: tools for the ActionExecutor built on core (interpreters on a Sandbox,
// web search). None is shipped yet; core/actions has defineTool and defineToolkit.
export {};
