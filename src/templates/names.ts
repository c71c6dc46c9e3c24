/** The chat templates that ship with prep-data (see chat-template.ts), named without loading the Jinja engine. */
export const builtInTemplates = ["llama3", "llama2"] as const;
