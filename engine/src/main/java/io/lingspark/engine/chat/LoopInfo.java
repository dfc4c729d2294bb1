package io.lingspark.engine.chat;

import java.util.List;

/** The {@code loop} variable inside a for loop. */
final class LoopInfo {
    private final List<Object> items;
    int index0;

    LoopInfo(List<Object> items) {
        this.items = items;
    }

    Object attr(String name) {
        int n = items.size();
        switch (name) {
            case "index": return (long) index0 + 1;
            case "index0": return (long) index0;
            case "revindex": return (long) (n - index0);
            case "revindex0": return (long) (n - index0 - 1);
            case "first": return index0 == 0;
            case "last": return index0 == n - 1;
            case "length": return (long) n;
            case "previtem": return index0 > 0 ? items.get(index0 - 1) : PyValues.undefined("previtem");
            case "nextitem": return index0 + 1 < n ? items.get(index0 + 1) : PyValues.undefined("nextitem");
            case "depth": return 1L;
            case "depth0": return 0L;
            case "cycle": return (PyValues.Fn) (args, kw) -> {
                if (args.isEmpty()) {
                    throw new TemplateException("loop.cycle needs at least one argument");
                }
                return args.get(index0 % args.size());
            };
            default: return PyValues.undefined(name);
        }
    }
}
