export * from "./errors.js";
export * from "./ids.js";
export * from "./score.js";
export * from "./outcomes.js";
export * from "./ema.js";
export * from "./map.js";
