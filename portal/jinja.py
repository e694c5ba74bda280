"""The public pages' template engine: Jinja2 (templates in jinja2/), for speed.

Jinja2 compiles a template to Python; Django's template language interprets its node tree on
every render. The search page (20 trial cards, about 900 nodes) and the trial page render about
twice as fast, with the same HTML (docs/architecture.md has the numbers). Django admin and
the alert e-mails stay Django templates (templates/), the second engine in settings.TEMPLATES.

The environment reads like the Django templates it replaced, to give the same HTML:
- output is escaped by Django's own escape (`'` as `&#x27;`, `"` as `&quot;`), not MarkupSafe's;
  anything with `__html__` (Markup, Django's SafeString from format_html) is output as it is;
- a missing variable or attribute prints nothing and is `none` in a test, as in Django;
- the filters whose meaning differs from Jinja's built-ins are Django's own (defaultfilters).
"""

from types import SimpleNamespace

import jinja2
from django.core.signals import setting_changed
from django.template import defaultfilters, defaulttags
from django.template.backends import jinja2 as backend
from django.templatetags.static import static as django_static
from django.test.signals import template_rendered
from django.urls import get_script_prefix, get_urlconf, reverse
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from trials.web import filters

# Django's built-in filters the templates use, with Django's meaning: `default` on any falsy
# value, `length` 0 for None, `linebreaks` escaping its input (registry text) first.
DJANGO_FILTERS = {
    "capfirst": defaultfilters.capfirst,
    "cut": defaultfilters.cut,
    "default": defaultfilters.default,
    "floatformat": defaultfilters.floatformat,
    "length": defaultfilters.length,
    "linebreaks": defaultfilters.linebreaks_filter,
    "pluralize": defaultfilters.pluralize,
    "truncatechars": defaultfilters.truncatechars,
    "urlencode": defaultfilters.urlencode,
}
OUR_FILTERS = {
    name: getattr(filters, name)
    for name in (
        "countries",
        "country",
        "date",
        "facet_label",
        "facet_labels",
        "http_url",
        "humanize_enum",
        "isodate",
        "jsonld",
        "km",
        "phase_tag",
        "plain_value",
        "registry_url",
        "source_name",
        "years",
    )
}


# A page's constant links (the search page has a dozen, ~10 µs each to make): made once per
# URL configuration and prefix; any settings change (tests) forgets them.
_URLS: dict[tuple, str] = {}
_STATICS: dict[str, str] = {}


def url(name: str, *args, **kwargs) -> str:
    """`{% url 'name' arg %}`: `url('name', arg)`."""
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (name, get_script_prefix(), get_urlconf())
    if (made := _URLS.get(key)) is None:
        made = _URLS[key] = reverse(name)
    return made


def static(path: str) -> str:
    """`{% static path %}`, made once per path."""
    if (made := _STATICS.get(path)) is None:
        made = _STATICS[path] = django_static(path)
    return made


def _forget_links(**kwargs) -> None:
    _URLS.clear()
    _STATICS.clear()


setting_changed.connect(_forget_links)


def querystring(request, *mappings, **changes) -> str:
    """Django's `{% querystring %}` tag, its own code: the request's query string with
    `changes` applied (None removes a key), as `?…`."""
    return defaulttags.querystring(SimpleNamespace(request=request), *mappings, **changes)


def escape(value) -> Markup:
    """What `{{ value }}` outputs: Django's escaping (`'` as `&#x27;`, `"` as `&quot;`, not
    MarkupSafe's entities), by trials.web.filters.escape; safe HTML (`__html__`) as it is."""
    return Markup(filters.escape(value))  # noqa: S704 - escaped by filters.escape


def _none(value) -> bool:
    """`is none`: also true of a missing variable, as Django's `is None` is."""
    return value is None or isinstance(value, jinja2.Undefined)


class _CodeGenerator(CodeGenerator):
    """Compiles `{{ value }}` to `environment.escaped(value)`, not Jinja's
    `escape(environment.finalize(value))`: our finalize (`escape` above) escapes the value and
    makes it Markup, which Jinja's escape would only copy into a second Markup, a few hundred
    times a search page; `escaped` is the same escaping, as the text alone. Anywhere
    autoescaping can change inside a template (`{% autoescape %}`), Jinja's own code is
    written."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        eval_ctx = frame.eval_ctx
        if eval_ctx.autoescape and not eval_ctx.volatile and finalize.src == _FINALIZE:
            self.write("(environment.escaped(")  # _output_child_post closes both
            return
        super()._output_child_pre(node, frame, finalize)


# How Jinja's compiler calls a finalize that takes the value alone.
_FINALIZE = "environment.finalize("


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    escaped = staticmethod(filters.escape)  # what `{{ value }}` outputs (_CodeGenerator)


def environment(**options) -> jinja2.Environment:
    options.pop("autoescape", None)  # always on: registry text is untrusted
    options.update(
        undefined=jinja2.ChainableUndefined,  # `record.criteria.text` with no criteria: ""
        finalize=escape,  # Django's escaping, as Markup (output as it is: _CodeGenerator)
        keep_trailing_newline=True,  # a template's text as it is, like Django's
    )
    env = _Environment(autoescape=True, **options)
    env.globals.update(url=url, static=static, querystring=querystring)
    env.globals["facet_items"] = filters.facet_items
    env.filters.update(DJANGO_FILTERS)
    env.filters.update(OUR_FILTERS)
    env.tests["none"] = _none
    return env


class Template(backend.Template):
    """Sends `template_rendered` like Django's own templates, so the test client's
    `response.context` is the context a page was rendered with (nobody listens outside tests:
    then sending costs nothing)."""

    @property
    def name(self) -> str:
        return self.template.name

    def render(self, context=None, request=None):
        context = {} if context is None else context
        html = super().render(context, request)
        template_rendered.send(sender=self, template=self, context=context)
        return html


class Jinja2(backend.Jinja2):
    """Django's Jinja2 backend, its templates sending `template_rendered`."""

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)
