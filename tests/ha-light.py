#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
What Home Assistant's MQTT light makes of msgq-mqtt's discovery config, for
tests/check-mqtt.c.  Home Assistant cannot run here; this is its contract as
doc/HOME-ASSISTANT.md writes it down, each rule with the file of Home
Assistant's code (homeassistant/...) and the versions it comes from, and the
templates rendered with the real Jinja2 the way Home Assistant renders them.

  ha-light.py check CONFIG
      Validate CONFIG (the discovery JSON) as HA 2024.1 and the newest read
      would, and a template config also as a JSON light that msgq 0.1.0's
      config made reads it (HA 2024.4 and later); print what HA would
      log, exit 1 if anything.
  ha-light.py command CONFIG on|off [NAME=VALUE...]
      The payload HA publishes for turn_on / turn_off with these service
      data (effect=blink, flash=short|long, transition=1.5).
  ha-light.py states CONFIG PAYLOAD...
      Feed the state payloads to the light in order, print what HA shows
      after each ("on blink", "off -"); exit 1 if HA would log anything.

Every template is rendered with Jinja2's ImmutableSandboxedEnvironment and
an Undefined that records what HA's logs (helpers/template.py,
make_logging_undefined(), 2024.1 and newest: a warning when an undefined
variable is printed, iterated or tested for truth, an error when it is
used otherwise); a render that HA would log fails the test.
"""
import ast
import json
import sys

try:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    sys.exit("ha-light.py needs Jinja2, which Home Assistant renders its templates with "
             "(apt-get install python3-jinja2)")

LOG = []  # what HA would log, as "LEVEL: text"


class LoggingUndefined(jinja2.Undefined):
    """helpers/template.py, make_logging_undefined() (2024.1, newest)."""

    def _fail_with_undefined_error(self, *args, **kwargs):
        LOG.append("ERROR: Template variable error: " + self._undefined_message)
        return super()._fail_with_undefined_error(*args, **kwargs)

    def __str__(self):
        LOG.append("WARNING: Template variable warning: " + self._undefined_message)
        return super().__str__()

    def __iter__(self):
        LOG.append("WARNING: Template variable warning: " + self._undefined_message)
        return super().__iter__()

    def __bool__(self):
        LOG.append("WARNING: Template variable warning: " + self._undefined_message)
        return super().__bool__()


ENV = ImmutableSandboxedEnvironment(undefined=LoggingUndefined)  # TemplateEnvironment's base
STATE_ON, STATE_OFF, PAYLOAD_NONE = "on", "off", "None"  # homeassistant/const.py, mqtt/const.py


def template(text):
    """cv.template: the text stripped (Template.__init__), compiled (ensure_valid)."""
    return ENV.from_string(text.strip())


def entity_vars():
    # MqttCommandTemplate / MqttValueTemplate add these (mqtt/models.py, 2024.1).
    return {"entity_id": "light.board_led", "name": "LED", "this": None}


def render_command(text, values):
    """mqtt/models.py MqttCommandTemplate.async_render(None, values): parse_result=False, stripped."""
    variables = {"value": None, **entity_vars(), **values}
    payload = template(text).render(**variables).strip()
    try:  # _convert_outgoing_payload(): a bytes literal is published as bytes
        if isinstance(ast.literal_eval(payload), bytes):
            LOG.append("ERROR: the payload renders as a bytes literal")
    except (ValueError, TypeError, SyntaxError, MemoryError):
        pass
    return payload


def render_value(text, payload):
    """helpers/template.py Template.async_render_with_possible_json_value(): value, value_json, stripped."""
    variables = {**entity_vars(), "value": payload}
    try:
        variables["value_json"] = json.loads(payload)
    except ValueError:
        pass
    try:
        return template(text).render(**variables).strip()
    except jinja2.TemplateError as ex:
        LOG.append(f"ERROR: Error parsing value: {ex} (value: {payload})")
        return payload


def check_json_schema(c):
    """mqtt/light/schema_json.py: the colour-mode rules of each version."""
    if ("color_mode" in c) != ("supported_color_modes" in c):
        # 2024.1: vol.Inclusive(CONF_COLOR_MODE, "color_mode") and vol.Inclusive(CONF_SUPPORTED_COLOR_MODES, ...)
        LOG.append("ERROR: HA 2024.1: Error 'some but not all values in the same group of inclusion "
                   "'color_mode'' when processing MQTT discovery message (no light)")
    if "color_mode" in c:
        # newest: cv.removed(CONF_COLOR_MODE, raise_if_present=False), logged at ERROR
        LOG.append("ERROR: HA 2025.3 and later: The 'color_mode' option has been removed")
    if "supported_color_modes" not in c:
        # newest: _light_internal_supported_color_modes raises "does not set supported color modes"
        LOG.append("ERROR: HA 2025.3 and later: the light does not set supported color modes")


def check_template_schema(c):
    """mqtt/light/schema_template.py, PLATFORM_SCHEMA_MODERN_TEMPLATE (2024.1 and newest)."""
    for key in ("command_topic", "command_on_template", "command_off_template"):
        if not isinstance(c.get(key), str):
            LOG.append(f"ERROR: required key not provided @ data['{key}']")
    for key in ("command_on_template", "command_off_template", "state_template", "effect_template"):
        if isinstance(c.get(key), str):
            try:
                template(c[key])
            except jinja2.TemplateSyntaxError as ex:
                LOG.append(f"ERROR: invalid template ({ex}) @ data['{key}']")
    if not isinstance(c.get("effect_list", []), list):
        LOG.append("ERROR: effect_list must be a list of strings")
    # Without a state topic and state template the light is optimistic (_setup_from_config).
    if not c.get("state_topic") or not c.get("state_template") or c.get("optimistic"):
        LOG.append("ERROR: the light would be optimistic: it would show what it asked for, not the LED")


def check(c):
    schema = c.get("schema", "basic")  # mqtt/light/schema.py: default basic
    if schema == "json":
        check_json_schema(c)
    elif schema == "template":
        check_template_schema(c)
        # A JSON light HA made from msgq 0.1.0's config (HA 2024.4 and later took it) reads an
        # updated config with its own schema until HA restarts (mqtt/mixins.py 2024.1,
        # mqtt/entity.py newest: discovery_update() calls self.config_schema()).
        before = len(LOG)
        check_json_schema(c)
        LOG[before:] = [m for m in LOG[before:] if "HA 2024.1" not in m]
    else:
        LOG.append(f"ERROR: schema {schema!r}: not what msgq-mqtt's contract describes")


def command(c, service, args):
    """schema_template.py async_turn_on() / async_turn_off() (2024.1 and newest)."""
    data = dict(a.split("=", 1) for a in args)
    if "transition" in data:
        data["transition"] = float(data["transition"])  # light/__init__.py VALID_TRANSITION: a float
    if service == "on":
        values = {"state": True}
        for key in ("effect", "flash", "transition"):
            if key in data:
                values[key] = data[key]
        return render_command(c["command_on_template"], values)
    values = {"state": False}  # turn_off passes the transition only (flash is not handed on)
    if "transition" in data:
        values["transition"] = data["transition"]
    return render_command(c["command_off_template"], values)


def states(c, payloads):
    """schema_template.py state_received() (2024.1) / _state_received() (newest)."""
    is_on, effect, out = None, None, []
    effect_list = c.get("effect_list")
    for payload in payloads:
        state = render_value(c["state_template"], payload)
        if state == STATE_ON:
            is_on = True
        elif state == STATE_OFF:
            is_on = False
        elif state == PAYLOAD_NONE:
            is_on = None
        else:
            LOG.append(f"WARNING: Invalid state value '{state}' received")
        if "effect_template" in c:
            value = render_value(c["effect_template"], payload)
            if value and effect_list and str(value) in effect_list:
                effect = str(value)
            else:  # 2024.1: a warning, newest: ignored when empty; the effect stays as it was
                LOG.append(f"WARNING: Unsupported effect value '{value}' received")
        # light/__init__.py state_attributes: the effect shows only while the light is on
        shown = effect if is_on else None
        out.append(f"{'on' if is_on else 'off' if is_on is False else 'unknown'} {shown or '-'}")
    return out


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "command", "states"):
        sys.exit(__doc__)
    c = json.loads(argv[2])
    if argv[1] == "check":
        check(c)
    elif argv[1] == "command":
        print(command(c, argv[3], argv[4:]))
    else:
        print("\n".join(states(c, argv[3:])))
    if LOG:
        sys.exit("Home Assistant would log:\n" + "\n".join(LOG))


if __name__ == "__main__":
    main(sys.argv)
