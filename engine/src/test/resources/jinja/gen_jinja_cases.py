# Regenerates jinja_cases.json: each template rendered by real jinja2 in transformers' chat-template
# environment (trim_blocks, lstrip_blocks, loopcontrols, tojson = json.dumps ensure_ascii=False).
# Run: python3 gen_jinja_cases.py  (jinja2 3.1)
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.filters["tojson"] = tojson
ctx = {"items": ["a", "b", "c"], "d": {"x": 1, "y": [1.5, None, True], "z": "é\"\n"}, "s": "  Hello World  ",
       "n": 7, "empty": [], "msgs": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "r"}]}
templates = [
    "{% for i in items %}\n  {{ loop.index }}/{{ loop.length }}:{{ i }}{% if not loop.last %},{% endif %}\n{% endfor %}\nend\n",
    "  {%- if true %} x {% endif -%}  \n y {# c #}\n  {% if n > 5 %}big{% else %}small{% endif %}",
    "{{ items[::-1] }}|{{ items[1:] }}|{{ items[-1] }}|{{ 'abcdef'[1:4] }}|{{ 'abc'[::-1] }}|{{ items[5] }}!",
    "{{ d | tojson }}|{{ d.y | tojson(indent=2) }}|{{ 'ü' | tojson }}|{{ d }}|{{ d.y }}",
    "{{ s.strip() }}|{{ s.lstrip() }}|{{ s | trim }}|{{ s.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a b'.replace(' ', '_') }}|{{ s.upper() }}",
    "{% set ns = namespace(c=0) %}{% for m in msgs %}{% set ns.c = ns.c + 1 %}{% set local = 1 %}{% endfor %}{{ ns.c }}{{ local is defined }}",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.get('q', 'dflt') }}{{ d.get('x') }}{{ d.keys() | list }}",
    "{{ missing }}|{{ missing is defined }}|{{ missing | default('D') }}|{{ '' | default('E', true) }}|{{ none }}|{{ true }}|{{ 7 // 2 }}|{{ -7 % 3 }}|{{ 7 / 2 }}|{{ 2 ** 10 }}",
    "{% for x in empty %}x{% else %}none{% endfor %}|{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}",
    "{{ items | join(', ') }}|{{ items | first }}{{ items | last }}|{{ items | length }}|{{ 'x' ~ 1 ~ none }}|{{ 'a' in items }}|{{ 'q' not in d }}|{{ 'ell' in s }}",
    "{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}|{{ msgs | rejectattr('role', 'equalto', 'user') | list | length }}",
    "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', punct='?') }}",
    "{{ 'yes' if n is number and n is odd else 'no' }}|{{ d is mapping }}|{{ items is sequence }}|{{ s is string }}|{{ none is none }}|{{ 1 == 1.0 }}|{{ [1, 2] == [1, 2] }}",
    "{%+ if true %}\n  keep\n{%+ endif +%}\nnext{{ 'a\\tb' }}\n",
    "{{ 'Hello %s' | replace('%s', 'you') }}|{{ 'ab'.startswith(('x', 'a')) }}|{{ 'ab'.endswith('b') }}|{{ '\\n\\nx\\n'.strip('\\n') }}|{{ 'aXbXc'.split('X', 1) }}|{{ 3.0 }}|{{ 1e-5 }}|{{ 0.1 + 0.2 }}",
]
cases = []
for t in templates:
    cases.append({"template": t, "expected": env.from_string(t).render(**ctx)})
json.dump({"context": ctx, "cases": cases}, open("jinja_cases.json", "w"), ensure_ascii=False, indent=1)
