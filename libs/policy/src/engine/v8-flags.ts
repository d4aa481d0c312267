import { setFlagsFromString } from 'node:v8';

/**
 * On Node 20, TurboFan inlining of JS→wasm calls into cedar-wasm crashes the whole process
 * (V8 "unreachable code" in the Deoptimizer) after some tens of thousands of decisions; it was
 * seen here on the main thread under load, and in worker threads in 5 of 10 runs. Turning that
 * one optimisation off before any Cedar call is compiled removes the crash at no measurable
 * cost. Imported first by the engine, so it runs before cedar-wasm is loaded.
 */
setFlagsFromString('--no-turbo-inline-js-wasm-calls');
