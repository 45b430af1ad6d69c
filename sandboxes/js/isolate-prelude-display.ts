// How the prelude shows values (console arguments, the cell's value, a thrown value), in
// short as Node's REPL does. It reads properties through their descriptors, so a getter is
// shown as [Getter] and never run; it stops at a depth, an item count and a character budget,
// so a huge or cyclic value costs at most the output cap. What a Proxy's traps throw
// propagates: the caller turns it into the call's error.

/** JavaScript source using PRELUDE_INTRINSICS and `limit` (the output cap in characters). */
export const PRELUDE_DISPLAY = `
  const IDENTIFIER = /^[A-Za-z_$][\\w$]*$/;
  const MAX_ITEMS = 100;
  const MAX_DEPTH = 3;
  const NONE = ObjectFreeze({ __proto__: null });
  const STOP = ObjectFreeze({ __proto__: null });

  const newBudget = () => ({ __proto__: null, left: limit, cut: false });
  function cap(text) {
    return text.length > limit ? StringSlice(text, 0, limit) : text;
  }
  function attempt(fn, value) {
    try {
      return fn(value);
    } catch {
      return NONE;
    }
  }
  /** A property's value or accessor kind, without running a getter; undefined when absent. */
  function ownProperty(object, key) {
    const descriptor = ObjectGetOwnPropertyDescriptor(object, key);
    if (descriptor === undefined) return undefined;
    if (ObjectHasOwn(descriptor, 'value')) {
      return { __proto__: null, value: descriptor.value, accessor: '', enumerable: descriptor.enumerable };
    }
    const kind = descriptor.get === undefined ? 'Setter' : descriptor.set === undefined ? 'Getter' : 'Getter/Setter';
    return { __proto__: null, value: undefined, accessor: kind, enumerable: descriptor.enumerable };
  }
  /** Reads a property the ordinary way (errors only): a getter may run; what it throws is ignored. */
  function read(object, key) {
    try {
      return object[key];
    } catch {
      return undefined;
    }
  }
  function spend(budget, text) {
    budget.left -= text.length;
    return text;
  }
  function quote(text, budget) {
    if (text.length <= budget.left) return JSONStringify(text);
    budget.cut = true;
    return JSONStringify(StringSlice(text, 0, budget.left < 0 ? 0 : budget.left)) + '...';
  }
  function keyText(key) {
    if (typeof key === 'symbol') return '[' + SymbolToString(key) + ']';
    return RegExpExec(IDENTIFIER, key) === null ? JSONStringify(key) : key;
  }
  function nameOf(fn) {
    const name = ownProperty(fn, 'name');
    return name !== undefined && typeof name.value === 'string' ? name.value : '';
  }
  function functionText(fn) {
    return '[Function: ' + (nameOf(fn) || '(anonymous)') + ']';
  }
  function errorText(error) {
    const stack = read(error, 'stack');
    if (typeof stack === 'string') return cap(stack);
    const name = read(error, 'name');
    const message = read(error, 'message');
    return cap((typeof name === 'string' ? name : 'Error') + (typeof message === 'string' && message ? ': ' + message : ''));
  }
  function constructorPrefix(object) {
    const proto = ReflectGetPrototypeOf(object);
    if (proto === null) return '[Object: null prototype] ';
    if (proto === ObjectPrototype) return '';
    const constructor = ownProperty(proto, 'constructor');
    if (constructor === undefined || typeof constructor.value !== 'function') return '';
    const name = nameOf(constructor.value);
    return name ? name + ' ' : '';
  }
  function item(property, depth, parents, budget) {
    if (property === undefined) return '<empty>';
    if (property.accessor) return '[' + property.accessor + ']';
    return show(property.value, depth + 1, parents, budget);
  }
  function list(open, text, close) {
    return text ? open + ' ' + text + ' ' + close : open + close;
  }
  function moreItems(count) {
    return ', ... ' + count + ' more item' + (count === 1 ? '' : 's');
  }

  function arrayText(array, depth, parents, budget) {
    if (depth > MAX_DEPTH) return '[Array]';
    const length = array.length;
    const shown = length < MAX_ITEMS ? length : MAX_ITEMS;
    let text = '';
    for (let index = 0; index < shown && budget.left > 0; index += 1) {
      text += (index ? ', ' : '') + item(ownProperty(array, '' + index), depth, parents, budget);
    }
    if (length > shown) text += moreItems(length - shown);
    return list('[', text, ']');
  }
  function typedArrayText(array, tag, depth, budget) {
    const length = TypedArrayLength(array);
    if (depth > MAX_DEPTH) return '[' + tag + ']';
    const shown = length < MAX_ITEMS ? length : MAX_ITEMS;
    let text = '';
    for (let index = 0; index < shown && budget.left > 0; index += 1) {
      text += (index ? ', ' : '') + spend(budget, '' + array[index]);
    }
    if (length > shown) text += moreItems(length - shown);
    return tag + '(' + length + ') ' + list('[', text, ']');
  }
  function collectionText(collection, kind, size, depth, parents, budget) {
    if (depth > MAX_DEPTH) return '[' + kind + ']';
    let text = '';
    let count = 0;
    const add = (value, key) => {
      if (count >= MAX_ITEMS || budget.left <= 0) throw STOP;
      text += (count ? ', ' : '') + (kind === 'Map'
        ? show(key, depth + 1, parents, budget) + ' => ' + show(value, depth + 1, parents, budget)
        : show(value, depth + 1, parents, budget));
      count += 1;
    };
    try {
      if (kind === 'Map') MapForEach(collection, add);
      else SetForEach(collection, add);
    } catch (error) {
      if (error !== STOP) throw error;
    }
    if (size > count) text += moreItems(size - count);
    return kind + '(' + size + ') ' + list('{', text, '}');
  }
  function objectText(object, depth, parents, budget) {
    const prefix = constructorPrefix(object);
    if (depth > MAX_DEPTH) return '[' + (prefix ? StringSlice(prefix, 0, prefix.length - 1) : 'Object') + ']';
    const keys = ReflectOwnKeys(object);
    let text = '';
    let shown = 0;
    for (let index = 0; index < keys.length; index += 1) {
      if (shown >= MAX_ITEMS || budget.left <= 0) {
        text += moreItems(keys.length - index);
        break;
      }
      const key = keys[index];
      const property = ownProperty(object, key);
      if (property === undefined || !property.enumerable) continue;
      text += (shown ? ', ' : '') + keyText(key) + ': ' + item(property, depth, parents, budget);
      shown += 1;
    }
    return prefix + list('{', text, '}');
  }
  function showObject(value, depth, parents, budget) {
    for (let up = parents; up !== null; up = up.up) if (up.value === value) return spend(budget, '[Circular]');
    if (isError(value)) return spend(budget, errorText(value));
    const inner = { __proto__: null, value, up: parents };
    if (ArrayIsArray(value)) return arrayText(value, depth, inner, budget);
    const tag = TypedArrayTag(value);
    if (tag !== undefined) return typedArrayText(value, tag, depth, budget);
    const bytes = attempt(ArrayBufferByteLength, value);
    if (bytes !== NONE) return spend(budget, 'ArrayBuffer { byteLength: ' + bytes + ' }');
    const mapSize = attempt(MapSize, value);
    if (mapSize !== NONE) return collectionText(value, 'Map', mapSize, depth, inner, budget);
    const setSize = attempt(SetSize, value);
    if (setSize !== NONE) return collectionText(value, 'Set', setSize, depth, inner, budget);
    const time = attempt(DateGetTime, value);
    if (time !== NONE) return spend(budget, time === time ? DateToISOString(value) : 'Invalid Date');
    const source = attempt(RegExpSource, value);
    if (source !== NONE) {
      const flags = attempt(RegExpFlags, value);
      return spend(budget, '/' + source + '/' + (typeof flags === 'string' ? flags : ''));
    }
    if (isPromise(value)) return spend(budget, 'Promise {}');
    return objectText(value, depth, inner, budget);
  }

  /** The text of \`value\`; \`parents\` is the chain of containers above it (cycles). */
  function show(value, depth, parents, budget) {
    if (budget.left <= 0) {
      budget.cut = true;
      return '...';
    }
    if (value === null) return spend(budget, 'null');
    switch (typeof value) {
      case 'string':
        return spend(budget, quote(value, budget));
      case 'number':
        return spend(budget, value === 0 && 1 / value < 0 ? '-0' : '' + value);
      case 'bigint':
        return spend(budget, '' + value + 'n');
      case 'boolean':
      case 'undefined':
        return spend(budget, '' + value);
      case 'symbol':
        return spend(budget, SymbolToString(value));
      case 'function':
        return spend(budget, functionText(value));
      default:
        return showObject(value, depth, parents, budget);
    }
  }

  /** The parts of an error for Execution.error; never throws. */
  function describe(error) {
    try {
      if (isError(error)) {
        const name = read(error, 'name');
        const message = read(error, 'message');
        const stack = read(error, 'stack');
        const shownName = typeof name === 'string' ? cap(name) : 'Error';
        const shownMessage = typeof message === 'string' ? cap(message) : '';
        const traceback = typeof stack === 'string' ? cap(stack) : shownName + (shownMessage ? ': ' + shownMessage : '');
        return { __proto__: null, name: shownName, value: shownMessage, traceback };
      }
      const text = show(error, 1, null, newBudget());
      return { __proto__: null, name: 'Uncaught', value: text, traceback: 'Uncaught ' + text };
    } catch {
      return { __proto__: null, name: 'Uncaught', value: '(a thrown value that could not be displayed)', traceback: '' };
    }
  }
`;
