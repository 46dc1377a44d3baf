/**
 * For type checking with tsc only (asc knows it): the minimal runtime's collector, declared in
 * AssemblyScript's std/assembly/rt/index.d.ts, which assembly.json does not include.
 */
declare function __collect(): void;
