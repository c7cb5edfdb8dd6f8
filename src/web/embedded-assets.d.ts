/** Files embedded into the binary with `import … with { type: "text" }`. */
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.svg" {
  const text: string;
  export default text;
}
declare module "*/assets/app.js" {
  const text: string;
  export default text;
}
declare module "*/assets/install.js" {
  const text: string;
  export default text;
}
declare module "@alpinejs/csp/dist/cdn.min.js" {
  const text: string;
  export default text;
}
