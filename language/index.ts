// The language's vocabulary as data: keywords and built-ins, each declared once.
export * from "./keywords.js";
export * from "./builtins.js";
