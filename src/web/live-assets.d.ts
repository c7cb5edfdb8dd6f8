/** Live UI scripts embedded with `import … with { type: "text" }` (see assets.ts). */
declare module "*/assets/live.js" {
  const text: string;
  export default text;
}
declare module "*/assets/chat.js" {
  const text: string;
  export default text;
}
declare module "*/assets/logs.js" {
  const text: string;
  export default text;
}
declare module "*/assets/tool-stats.js" {
  const text: string;
  export default text;
}
declare module "*/assets/chat-form.js" {
  const text: string;
  export default text;
}
declare module "*/assets/chat-transcript.js" {
  const text: string;
  export default text;
}
declare module "*/assets/chat-composer.js" {
  const text: string;
  export default text;
}
