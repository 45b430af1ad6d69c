// The built-ins the prelude uses, taken when a context is made, before any user code runs.
// From then on the prelude calls only these (uncurried, through the Reflect.apply taken here),
// builds its own objects with a null prototype, and never reads a property a user could have
// put on a shared prototype: code that replaces JSON.stringify, Array.prototype.push,
// Promise.prototype.then or Object.prototype getters changes its own world, not the platform's.

/** JavaScript source: `const` declarations the other prelude parts use. */
export const PRELUDE_INTRINSICS = `
  const ReflectApply = Reflect.apply;
  const ReflectDefineProperty = Reflect.defineProperty;
  const ReflectOwnKeys = Reflect.ownKeys;
  const ReflectGetPrototypeOf = Reflect.getPrototypeOf;
  const ObjectFreeze = Object.freeze;
  const ObjectHasOwn = Object.hasOwn;
  const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const ObjectPrototype = Object.prototype;
  const ArrayIsArray = Array.isArray;
  const JSONStringify = JSON.stringify;
  const JSONParse = JSON.parse;
  const ErrorCtor = Error;
  const ErrorIsError = Error.isError;
  const FunctionHasInstance = Function.prototype[Symbol.hasInstance];
  const PromiseCtor = Promise;
  const uncurry = (fn) => (self, ...args) => ReflectApply(fn, self, args);
  const getterOf = (object, key) => ObjectGetOwnPropertyDescriptor(object, key).get;
  const StringSlice = uncurry(String.prototype.slice);
  const SymbolToString = uncurry(Symbol.prototype.toString);
  const RegExpExec = uncurry(RegExp.prototype.exec);
  const RegExpSource = uncurry(getterOf(RegExp.prototype, 'source'));
  const RegExpFlags = uncurry(getterOf(RegExp.prototype, 'flags'));
  const MapSize = uncurry(getterOf(Map.prototype, 'size'));
  const MapForEach = uncurry(Map.prototype.forEach);
  const SetSize = uncurry(getterOf(Set.prototype, 'size'));
  const SetForEach = uncurry(Set.prototype.forEach);
  const DateGetTime = uncurry(Date.prototype.getTime);
  const DateToISOString = uncurry(Date.prototype.toISOString);
  const TypedArrayPrototype = ReflectGetPrototypeOf(Uint8Array.prototype);
  const TypedArrayTag = uncurry(getterOf(TypedArrayPrototype, Symbol.toStringTag));
  const TypedArrayLength = uncurry(getterOf(TypedArrayPrototype, 'length'));
  const ArrayBufferByteLength = uncurry(getterOf(ArrayBuffer.prototype, 'byteLength'));
  const isError = (value) =>
    typeof ErrorIsError === 'function' ? ErrorIsError(value) : ReflectApply(FunctionHasInstance, ErrorCtor, [value]);
  const isPromise = (value) => ReflectApply(FunctionHasInstance, PromiseCtor, [value]);
  // \`await\` (and V8's Then, which isolated-vm uses on the cell's promise) reads
  // Promise.prototype.constructor and Promise[Symbol.species]: fixed now, so replacing them
  // cannot change how the platform awaits the cell's value.
  ReflectDefineProperty(PromiseCtor.prototype, 'constructor', {
    __proto__: null, value: PromiseCtor, writable: false, enumerable: false, configurable: false,
  });
  ReflectDefineProperty(PromiseCtor, Symbol.species, {
    __proto__: null, get: getterOf(PromiseCtor, Symbol.species), enumerable: false, configurable: false,
  });
`;
