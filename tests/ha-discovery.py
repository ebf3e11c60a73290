#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
What Home Assistant's MQTT discovery makes of the retained configs of one
board (a light, a switch, a binary_sensor, an event, a sensor), as HA 2024.1
and the newest HA read would, and what each entity shows for the state
payloads it is sent.  Home Assistant cannot run here; this is its contract as
doc/HOME-ASSISTANT.md writes it down, each rule with the file of Home
Assistant's code (homeassistant/components/mqtt/...) it comes from.  The
light's own rules are tests/ha-light.py's; templates are rendered with the real
Jinja2 the way HA renders them (ha-light.py's sandbox and logging Undefined).

  ha-discovery.py check VERSION TOPIC CONFIG [TOPIC CONFIG...]
      Check each retained config on its discovery topic, and the set as one
      board (one device, a unique_id each); print the entity each makes.
  ha-discovery.py states VERSION TOPIC CONFIG [-r] PAYLOAD...
      Feed the state payloads (retained with -r) to the entity in order and
      print what HA shows after each.
  ha-discovery.py command VERSION TOPIC CONFIG on|off [NAME=VALUE...]
      The payload HA publishes for turn_on / turn_off.

VERSION is 2024.1, newest or all.  Exit 1, with what HA would log, when HA
would log anything (at any level) or the board breaks msgq's contract.
"""
import importlib.util
import json
import os
import re
import sys

_spec = importlib.util.spec_from_file_location(
    "ha_light", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ha-light.py"))
ha_light = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ha_light)

VERSIONS = ("2024.1", "newest")
PREFIX = "homeassistant"
PAYLOAD_NONE, PAYLOAD_EMPTY_JSON = "None", "{}"  # mqtt/const.py

# mqtt/discovery.py (2024.1 and newest): TOPIC_MATCHER, used with re.match on the trimmed topic.
TOPIC_MATCHER = re.compile(r"(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)"
                           r"?(?P<object_id>[a-zA-Z0-9_-]+)/config")
# mqtt/discovery.py SUPPORTED_COMPONENTS (2024.1); mqtt/const.py (newest) adds notify and
# discovery.py handles "device" (device-based discovery, 2024.11).
SUPPORTED_2024_1 = {
    "alarm_control_panel", "binary_sensor", "button", "camera", "climate", "cover",
    "device_automation", "device_tracker", "event", "fan", "humidifier", "image", "lawn_mower",
    "light", "lock", "number", "scene", "siren", "select", "sensor", "switch", "tag", "text",
    "update", "vacuum", "valve", "water_heater"}
# mqtt/mixins.py MQTT_ENTITY_DEVICE_INFO_SCHEMA (2024.1): a vol.Schema of its own, so a key
# not listed is "extra keys not allowed" and the whole config is refused; mqtt/schemas.py
# (newest) adds serial_number and model_id.
DEVICE_KEYS_2024_1 = {"identifiers", "connections", "manufacturer", "model", "name", "hw_version",
                      "sw_version", "via_device", "suggested_area", "configuration_url"}
DEVICE_KEYS = {"2024.1": DEVICE_KEYS_2024_1,
               "newest": DEVICE_KEYS_2024_1 | {"serial_number", "model_id"}}
ORIGIN_KEYS = {"name", "sw_version", "support_url"}  # MQTT_ORIGIN_INFO_SCHEMA, 2024.1 and newest
# Device classes: switch/__init__.py SwitchDeviceClass, binary_sensor/__init__.py
# BinarySensorDeviceClass, event/__init__.py EventDeviceClass (2024.1; the binary_sensor's
# the same late in 2024, commit 027590d9; mqtt/settings.c checks mqtt.conf's device_class
# against it).
SWITCH_CLASSES = {"outlet", "switch"}
BINARY_SENSOR_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door",
    "gas", "heat", "light", "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug",
    "power", "presence", "problem", "running", "safety", "smoke", "sound", "tamper", "update",
    "vibration", "window"}
EVENT_CLASSES = {"doorbell", "button", "motion"}
STATE_CLASSES = {"measurement", "total", "total_increasing"}  # sensor/const.py SensorStateClass


class Log:
    """What one HA version would log, as "LEVEL: text"; contract breaks are logged as ERROR."""

    def __init__(self, version):
        self.version, self.lines = version, []

    def add(self, level, text):
        self.lines.append(f"HA {self.version}: {level}: {text}")


def slug(text):
    """util/__init__.py slugify(), close enough for ASCII names."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


# ---- keys shared by every entity (mqtt/config.py, mqtt/mixins.py 2024.1; mqtt/schemas.py newest)

def topic_problem(value, publish):
    """mqtt/util.py valid_topic(), valid_subscribe_topic(), valid_publish_topic() (2024.1, newest)."""
    if not isinstance(value, str) or not value:
        return "MQTT topic name/filter must not be empty."
    if any(ch <= "\u001f" or "\u007f" <= ch <= "\u009f" for ch in value):
        return "MQTT topic name/filter must not contain control characters."
    if publish and ("+" in value or "#" in value):
        return "Wildcards cannot be used in topic names"
    return None


def check_types(c, problems, keys):
    """(key, kind): "str" cv.string, "bool" cv.boolean, "uint" cv.positive_int, "pub"/"sub" topics, "template"."""
    for key, kind in keys:
        if key not in c:
            continue
        v = c[key]
        if kind == "str" and (v is None or isinstance(v, (dict, list))):
            problems.append(f"expected str for dictionary value @ data['{key}']")
        elif kind == "bool" and not isinstance(v, bool) and v not in (0, 1, "true", "false", "on", "off"):
            problems.append(f"invalid boolean value {v!r} for dictionary value @ data['{key}']")
        elif kind == "uint" and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            problems.append(f"expected a positive int (cv.positive_int) for dictionary value @ data['{key}']")
        elif kind in ("pub", "sub") and (err := topic_problem(v, kind == "pub")):
            problems.append(f"{err} for dictionary value @ data['{key}']")
        elif kind == "template" and isinstance(v, str):
            try:
                ha_light.template(v)
            except ha_light.jinja2.TemplateSyntaxError as ex:
                problems.append(f"invalid template ({ex}) for dictionary value @ data['{key}']")


def check_common(log, c, problems):
    """MQTT_ENTITY_COMMON_SCHEMA and MQTT_AVAILABILITY_SCHEMA (mqtt/mixins.py 2024.1, schemas.py newest)."""
    check_types(c, problems, [("name", "str"), ("unique_id", "str"), ("object_id", "str"),
                              ("availability_topic", "sub"), ("payload_available", "str"),
                              ("payload_not_available", "str"), ("json_attributes_topic", "sub"),
                              ("enabled_by_default", "bool"), ("encoding", "str"), ("retain", "bool")])
    if "qos" in c and c["qos"] not in (0, 1, 2):  # util.py valid_qos_schema: vol.In([0, 1, 2])
        problems.append("value must be one of [0, 1, 2] for dictionary value @ data['qos']")
    if "availability" in c and "availability_topic" in c:  # vol.Exclusive(..., "availability")
        problems.append("two or more values in the same group of exclusion 'availability'")
    if "device" in c:
        check_device(log, c["device"], problems)
    if "object_id" in c and log.version != "2024.1":
        # mqtt/entity.py, HA pull request 151775 (2025.10): object_id deprecated, gone in 2026.4
        log.add("WARNING", f"The configuration uses the deprecated option `object_id` to set the default "
                           f"entity id. Replace the `\"object_id\": \"{c['object_id']}\"` option with "
                           f"`\"default_entity_id\"`; this will stop working in Home Assistant Core 2026.4")


def check_device(log, d, problems):
    """MQTT_ENTITY_DEVICE_INFO_SCHEMA: its own keys only, and one identifier or connection."""
    if not isinstance(d, dict):
        problems.append("expected a dictionary for dictionary value @ data['device']")
        return
    for key in sorted(set(d) - DEVICE_KEYS[log.version]):
        problems.append(f"extra keys not allowed @ data['device']['{key}']")
    if not d.get("identifiers") and not d.get("connections"):
        problems.append("Device must have at least one identifying value in 'identifiers' and/or "
                        "'connections' for dictionary value @ data['device']")


def check_names(log, c):
    """mqtt/mixins.py _set_entity_name() (2024.1; mqtt/entity.py newest): the device's name and the entity's."""
    if "device" not in c or not isinstance(c["device"], dict):
        return
    device_name, name = c["device"].get("name"), c.get("name")
    if device_name is None:
        log.add("INFO", "MQTT device information always needs to include a name, if device information "
                        "is shared between multiple entities, the device name must be included in each "
                        "entity's device configuration")
    elif device_name == name:
        log.add("WARNING", "MQTT device name is equal to entity name in your config, this is not expected. "
                           "The entity name will be set to `null`")
    elif isinstance(name, str) and name.startswith(device_name):
        log.add("WARNING", "MQTT entity name starts with the device name in your config, this is not "
                           "expected. The device name prefix will be stripped off the entity name")


# ---- each platform's DISCOVERY_SCHEMA; every other key is dropped without a word (vol.REMOVE_EXTRA)

def required(c, problems, *keys):
    for key in keys:
        if key not in c:
            problems.append(f"required key not provided @ data['{key}']")


def one_of(c, problems, key, allowed):
    """vol.Any(DEVICE_CLASSES_SCHEMA, None): vol.All(vol.Lower, vol.Coerce(...DeviceClass))."""
    if c.get(key) is not None and str(c[key]).lower() not in allowed:
        problems.append(f"value must be one of {sorted(allowed)} for dictionary value @ data['{key}']")


def check_switch(log, c, problems):
    """mqtt/switch.py (2024.1, newest) on config.py MQTT_RW_SCHEMA: command_topic required."""
    required(c, problems, "command_topic")
    check_types(c, problems, [("command_topic", "pub"), ("state_topic", "sub"), ("payload_on", "str"),
                              ("payload_off", "str"), ("state_on", "str"), ("state_off", "str"),
                              ("optimistic", "bool"), ("value_template", "template")])
    one_of(c, problems, "device_class", SWITCH_CLASSES)
    if "command_template" in c and log.version == "2024.1":
        # switch.py 2024.1 has no command_template: dropped, so HA publishes payload_on as it is.
        log.add("ERROR", "contract: command_template is dropped by HA 2024.1's switch.py; the payload "
                         "it publishes would differ between versions")
    if not c.get("state_topic") or c.get("optimistic"):
        # _setup_from_config(): optimistic when asked or without a state_topic
        log.add("ERROR", "contract: the switch would be optimistic: it would show what HA asked for, "
                         "not the output")


def check_binary_sensor(log, c, problems):
    """mqtt/binary_sensor.py (2024.1, newest) on config.py MQTT_RO_SCHEMA: state_topic required."""
    required(c, problems, "state_topic")
    check_types(c, problems, [("state_topic", "sub"), ("payload_on", "str"), ("payload_off", "str"),
                              ("expire_after", "uint"), ("off_delay", "uint"), ("force_update", "bool"),
                              ("value_template", "template")])
    one_of(c, problems, "device_class", BINARY_SENSOR_CLASSES)
    for key in ("expire_after", "off_delay"):
        if key in c:
            # expire_after: unavailable that long after the last message (available());
            # off_delay: off that long after an on (off_delay_listener). The bridge publishes
            # a level once, when it changes: both would show what the input is not.
            log.add("ERROR", f"contract: {key} would show a level the input does not have")


def check_event(log, c, problems):
    """mqtt/event.py (2024.1, newest): state_topic and event_types required."""
    required(c, problems, "state_topic", "event_types")
    check_types(c, problems, [("state_topic", "sub"), ("value_template", "template")])
    types = c.get("event_types")
    if types is not None and not all(isinstance(t, (str, int, float)) for t in
                                     (types if isinstance(types, list) else [types])):
        problems.append("expected str @ data['event_types'][0]")  # vol.All(cv.ensure_list, [cv.string])
    elif types is not None and not types:
        log.add("ERROR", "contract: an event entity without event types triggers on nothing")
    if c.get("device_class") is not None and str(c["device_class"]).lower() not in EVENT_CLASSES:
        # DEVICE_CLASS_SCHEMA = vol.All(vol.Lower, vol.Coerce(EventDeviceClass))
        problems.append(f"expected EventDeviceClass or one of {sorted(EVENT_CLASSES)} "
                        "for dictionary value @ data['device_class']")


def check_sensor(log, c, problems):
    """mqtt/sensor.py (2024.1, newest) on config.py MQTT_RO_SCHEMA: state_topic required."""
    required(c, problems, "state_topic")
    check_types(c, problems, [("state_topic", "sub"), ("expire_after", "uint"), ("force_update", "bool"),
                              ("suggested_display_precision", "uint"), ("value_template", "template"),
                              ("last_reset_value_template", "template")])
    if c.get("state_class") is not None and c["state_class"] not in STATE_CLASSES:
        problems.append(f"value must be one of {sorted(STATE_CLASSES)} for dictionary value @ data['state_class']")
    if "last_reset_topic" in c:  # cv.removed(CONF_LAST_RESET_TOPIC): removed in 2023.6
        problems.append("The 'last_reset_topic' option has been removed, please remove it from your configuration")
    if "last_reset_value_template" in c and c.get("state_class") != "total" and log.version != "2024.1":
        # newest sensor.py validate_sensor_state_and_device_class_config()
        problems.append(f"The option `last_reset_value_template` cannot be used together with state class "
                        f"`{c.get('state_class')}`")
    if "expire_after" in c:
        log.add("ERROR", "contract: expire_after would make the counter unavailable between edges")


def check_light(log, c, problems):
    """mqtt/light/schema_template.py as tests/ha-light.py has it (2024.1 and newest alike)."""
    before = list(ha_light.LOG)
    ha_light.check(c)
    for line in ha_light.LOG[len(before):]:
        level, _, text = line.partition(": ")
        log.add(level, text)
    ha_light.LOG[:] = before


PLATFORMS = {"switch": check_switch, "binary_sensor": check_binary_sensor, "event": check_event,
             "sensor": check_sensor, "light": check_light}


# ---- mqtt/discovery.py: a retained message on a discovery topic

def parse_topic(log, topic):
    """async_discovery_message_received(): (component, node_id, object_id), or None and a warning."""
    trimmed = topic.replace(f"{PREFIX}/", "", 1)
    if not (match := TOPIC_MATCHER.match(trimmed)):
        if trimmed.endswith("config"):
            log.add("WARNING", f"Received message on illegal discovery topic '{topic}'. The topic contains "
                               "not allowed characters.")
        return None
    component = match.group("component")
    if component == "device" and log.version != "2024.1":
        return match.groups()
    if component not in SUPPORTED_2024_1 and not (component == "notify" and log.version != "2024.1"):
        log.add("WARNING", f"Integration {component} is not supported")
        return None
    return match.groups()


def parse_payload(log, object_id, payload):
    """json_loads_object(); then the origin is validated (MQTT_ORIGIN_INFO_SCHEMA) before anything else."""
    try:
        config = json.loads(payload)
        if not isinstance(config, dict):
            raise ValueError
    except ValueError:
        log.add("WARNING", f"Unable to parse JSON {object_id}: '{payload}'")
        return None
    origin = config.get("origin")
    if origin is not None and (not isinstance(origin, dict) or not isinstance(origin.get("name"), str)
                               or set(origin) - ORIGIN_KEYS):
        log.add("WARNING", f"Unable to parse origin information from discovery message, got {origin}")
        return None
    return config


def device_components(log, object_id, node_id, config):
    """Newest discovery.py _parse_device_payload(): one config per component, sharing the device."""
    for key in ("device", "components", "origin"):  # schemas.py DEVICE_DISCOVERY_SCHEMA
        if not isinstance(config.get(key), dict):
            log.add("WARNING", f"Invalid MQTT device discovery payload for {object_id}, "
                               f"required key not provided @ data['{key}']")
            return []
    out = []
    for component_id, comp in config["components"].items():
        comp = dict(comp)
        platform = comp.pop("platform", None)
        comp.update(device=config["device"], origin=config["origin"])
        for key in ("availability", "availability_mode", "availability_template", "availability_topic",
                    "command_topic", "payload_available", "payload_not_available", "state_topic"):
            if key in config and key not in comp:  # _merge_common_device_options()
                comp[key] = config[key]
        out.append((platform, f"{node_id} {component_id}" if node_id else component_id, comp))
    return out


def check_entity(log, component, discovery_id, c):
    """async_setup_entity_entry_helper(): the schema, then the entity; returns what it makes, or None."""
    problems = []
    check_common(log, c, problems)
    PLATFORMS.get(component, lambda *a: log.add("ERROR", f"contract: no model of {component}"))(log, c, problems)
    if problems:  # mixins.py async_handle_schema_error(): the entity is not created
        log.add("ERROR", f"Error '{'; '.join(problems)}' when processing MQTT discovery message "
                         f"({component} {discovery_id})")
        return None
    check_names(log, c)
    if not isinstance(c.get("unique_id"), str):
        # helpers/entity_platform.py: without a unique_id the entity is not in the registry
        log.add("ERROR", "contract: no unique_id: the entity could not be renamed, moved or removed in HA")
    device = c.get("device") or {}
    name = slug(f"{device.get('name', '')} {c.get('name', '')}")
    return {"component": component, "discovery_id": discovery_id, "config": c,
            "unique_id": c.get("unique_id"), "entity_id": f"{component}.{name}"}


def discover(log, topic, payload):
    """One retained discovery message: the entities HA makes of it."""
    if not (groups := parse_topic(log, topic)):
        return []
    component, node_id, object_id = groups
    if not payload or not (config := parse_payload(log, object_id, payload)):
        return []
    if component == "device":
        return [e for platform, did, comp in device_components(log, object_id, node_id, config)
                if (e := check_entity(log, platform, did, comp))]
    discovery_id = f"{node_id} {object_id}" if node_id else object_id
    entity = check_entity(log, component, discovery_id, config)
    return [entity] if entity else []


def check_board(log, pairs):
    """Several configs as one board: one device, a unique_id and a discovery topic each."""
    entities, seen_topics = [], set()
    for topic, payload in pairs:
        if topic in seen_topics:
            log.add("ERROR", f"contract: two configs on {topic}: the second replaces the first")
        seen_topics.add(topic)
        entities += discover(log, topic, payload)
    ids, commands = {}, {}
    for e in entities:
        uid, other = e["unique_id"], ids.get(e["unique_id"])
        if uid is not None and other and other.startswith(e["component"] + "."):
            # helpers/entity_platform.py _async_add_entity(): the registry's key is
            # (domain, platform, unique_id) (entity_registry.py async_get_entity_id, 2024.1, newest)
            log.add("ERROR", f"Platform mqtt does not generate unique IDs. ID {uid} is already "
                             f"used by {other} - ignoring {e['entity_id']}")
        elif uid is not None and other:
            log.add("ERROR", f"contract: {e['entity_id']} has the unique_id of {other}")
        ids.setdefault(uid, e["entity_id"])
        if (cmd := e["config"].get("command_topic")) in commands:
            log.add("ERROR", f"contract: {e['entity_id']} and {commands[cmd]} share the command topic {cmd}")
        if cmd:
            commands[cmd] = e["entity_id"]
    devices = {json.dumps(e["config"].get("device"), sort_keys=True) for e in entities}
    if len(devices) > 1:
        log.add("ERROR", f"contract: the entities are not on one device: {sorted(devices)}")
    return entities


# ---- states each entity shows, and the commands it publishes

def value_of(log, c, payload, key="value_template"):
    """models.py MqttValueTemplate: the payload as it is without a template, else rendered."""
    return payload if key not in c else ha_light_call(log, ha_light.render_value, c[key], payload)


def switch_states(log, c, payloads, retained):
    """switch.py state_message_received() (2024.1) / _state_message_received() (newest)."""
    on = c.get("state_on") or c.get("payload_on", "ON")
    off = c.get("state_off") or c.get("payload_off", "OFF")
    is_on, out = None, []
    for payload in payloads:
        value = value_of(log, c, payload)
        if value in (on, off, PAYLOAD_NONE):
            is_on = {on: True, off: False}.get(value)
        else:  # nothing logged, nothing changes
            log.add("ERROR", f"contract: the switch ignores '{payload}' (neither {on} nor {off})")
        out.append({True: "on", False: "off"}.get(is_on, "unknown"))
    return out


def binary_sensor_states(log, c, payloads, retained):
    """binary_sensor.py state_message_received() (2024.1) / _state_message_received() (newest)."""
    is_on, out = None, []
    for payload in payloads:
        value = value_of(log, c, payload)
        if not str(value).strip():
            pass  # "Empty template output", debug only: nothing changes
        elif value in (c.get("payload_on", "ON"), c.get("payload_off", "OFF"), PAYLOAD_NONE):
            is_on = {c.get("payload_on", "ON"): True, c.get("payload_off", "OFF"): False}.get(value)
        else:
            log.add("INFO", f"No matching payload found for entity with state topic: {c['state_topic']}. "
                            f"Payload: '{payload}', template output: '{value}'")
        out.append({True: "on", False: "off"}.get(is_on, "unknown"))
    return out


def event_states(log, c, payloads, retained):
    """event.py message_received() (2024.1, newest) and event/__init__.py _trigger_event()."""
    out = []
    for payload in payloads:
        value = value_of(log, c, payload)
        if retained:
            # "Ignoring event trigger from replayed retained payload", debug only
            log.add("ERROR", f"contract: a retained event is ignored by HA: '{payload}'")
            out.append("ignored")
            continue
        if not value or value in (PAYLOAD_NONE, PAYLOAD_EMPTY_JSON):
            out.append("ignored")  # "Ignoring empty payload", debug only
            continue
        try:
            attrs = json.loads(value)
            if not isinstance(attrs, dict):
                raise ValueError
            event_type = str(attrs.pop("event_type"))
        except KeyError:
            log.add("WARNING", f"`event_type` missing in JSON event payload, '{value}' on topic {c['state_topic']}")
            out.append("ignored")
            continue
        except ValueError:
            log.add("WARNING", f"No valid JSON event payload detected, value after processing payload "
                               f"'{value}' on topic {c['state_topic']}")
            out.append("ignored")
            continue
        if event_type not in [str(t) for t in ensure_list(c["event_types"])]:
            log.add("WARNING", f"Invalid event type {event_type} received on topic {c['state_topic']}, "
                               f"payload {value}")
            out.append("ignored")
            continue
        # state_attributes(): event_type and the payload's other keys; the state is the time
        out.append(f"{event_type} {json.dumps(attrs, sort_keys=True)}")
    return out


def ensure_list(value):
    return value if isinstance(value, list) else [value]  # cv.ensure_list


def numeric_expected(c):
    """sensor/__init__.py _numeric_state_expected() (2024.1): a state class, unit or precision."""
    if str(c.get("device_class")) in ("date", "enum", "timestamp"):
        return False
    return any(c.get(k) is not None for k in ("state_class", "unit_of_measurement",
                                                "suggested_display_precision", "device_class"))


class Statistics:
    """sensor/recorder.py compile_statistics() for total_increasing, one state per period (2024.1)."""

    def __init__(self, log):
        self.log, self.sum, self.old, self.new, self.dips = log, 0.0, None, None, 0

    def add(self, value):
        if self.new is None:  # "Compiling initial sum statistics", the zero point
            self.old = self.new = value
            return "sum 0"
        if value < 0:  # warn_negative(), and the state is skipped
            self.log.add("WARNING", "Entity has state class total_increasing, but its state is negative")
            return "skipped"
        note = ""
        if 0.9 * self.new <= value < self.new:  # reset_detected(): warn_dip() from the second dip
            self.dips += 1
            if self.dips == 2:
                self.log.add("WARNING", "Entity has state class total_increasing, but its state is not "
                                        "strictly increasing")
        if value < 0.9 * self.new:  # "Detected new cycle": the sum goes on from 0
            self.sum += self.new - self.old
            self.new, self.old, note = value, 0.0, " new cycle"
        else:
            self.new = value
        return f"sum {self.sum + self.new - self.old:g}{note}"


def sensor_states(log, c, payloads, retained):
    """sensor.py _update_state() (2024.1, newest), the state written (sensor/__init__.py state)."""
    value, out = None, []
    stats = Statistics(log) if c.get("state_class") == "total_increasing" else None
    for payload in payloads:
        new = str(value_of(log, c, payload))
        if new == PAYLOAD_NONE:
            value = None
        elif new == "" and numeric_expected(c):
            pass  # "Ignore empty state", debug only
        elif numeric_expected(c):
            try:
                number = float(new)
            except ValueError:  # raised when the state is written; client.py logs the exception
                log.add("ERROR", f"Exception raised when updating state: Sensor has state class "
                                 f"'{c.get('state_class')}' unit '{c.get('unit_of_measurement')}' thus indicating "
                                 f"it has a numeric value; however, it has the non-numeric value: '{new}'")
                out.append(str(value))
                continue
            value = new
            if stats:
                out.append(f"{value} {stats.add(number)}")
                continue
        else:
            value = new
        out.append(str(value))
    return out


STATES = {"switch": switch_states, "binary_sensor": binary_sensor_states, "event": event_states,
          "sensor": sensor_states}


def states(log, entity, payloads, retained=False):
    if entity["component"] == "light":
        return ha_light_call(log, ha_light.states, entity["config"], payloads)
    return STATES[entity["component"]](log, entity["config"], payloads, retained)


def command(log, entity, service, args):
    """switch.py async_turn_on() / async_turn_off(); the light's templates as ha-light.py renders them."""
    c = entity["config"]
    if entity["component"] == "light":
        return ha_light_call(log, ha_light.command, c, service, args)
    payload = c.get("payload_on", "ON") if service == "on" else c.get("payload_off", "OFF")
    if "command_template" in c and log.version != "2024.1":  # newest: MqttCommandTemplate(value=payload)
        payload = ha_light_call(log, ha_light.render_command, c["command_template"], {"value": payload})
    return payload


def ha_light_call(log, fn, *args):
    before = list(ha_light.LOG)
    result = fn(*args)
    for line in ha_light.LOG[len(before):]:
        level, _, text = line.partition(": ")
        log.add(level, text)
    ha_light.LOG[:] = before
    return result


def main(argv):
    if len(argv) < 5 or argv[1] not in ("check", "states", "command") or argv[2] not in VERSIONS + ("all",):
        sys.exit(__doc__)
    logs, out = [], []
    for version in VERSIONS if argv[2] == "all" else (argv[2],):
        log = Log(version)
        logs.append(log)
        if argv[1] == "check":
            pairs = list(zip(argv[3::2], argv[4::2]))
            out += [f"HA {version}: {e['entity_id']} ({e['component']} {e['discovery_id']})"
                    for e in check_board(log, pairs)]
            continue
        entities = discover(log, argv[3], argv[4])
        if not entities:
            log.add("ERROR", "no entity")
            continue
        if argv[1] == "states":
            retained = argv[5:6] == ["-r"]
            lines = states(log, entities[0], argv[6 if retained else 5:], retained)
        else:
            lines = [command(log, entities[0], argv[5], argv[6:])]
        out += [f"HA {version}: {line}" for line in lines]
    print("\n".join(out))
    if any(log.lines for log in logs):
        sys.exit("Home Assistant would log:\n" + "\n".join(line for log in logs for line in log.lines))


if __name__ == "__main__":
    main(sys.argv)
