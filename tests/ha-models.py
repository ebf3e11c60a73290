#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
Unit tests of tests/ha-discovery.py (and through it tests/ha-light.py), the
models of Home Assistant's MQTT discovery that doc/HOME-ASSISTANT.md writes
down: the configs of "Several outputs and inputs: the plan" must pass as HA
2024.1 and the newest HA read would take them, and each config that must fail
fails with what HA's own code logs (the file is named at each case).
"""
import copy
import importlib.util
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("ha_discovery", os.path.join(HERE, "ha-discovery.py"))
ha = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ha)

# The plan's board: prefix msgq/board1, node id msgq_board1 (doc/HOME-ASSISTANT.md).
P, N = "msgq/board1", "msgq_board1"
DEVICE = {"identifiers": [N], "name": "board1", "manufacturer": "msgq", "model": "msgqd",
          "sw_version": "0.2.0"}
ORIGIN = {"name": "msgq-mqtt", "sw_version": "0.2.0"}
COMMON = {"availability_topic": f"{P}/availability", "payload_available": "online",
          "payload_not_available": "offline", "qos": 1, "device": DEVICE, "origin": ORIGIN}
ON_TEMPLATE = ('{"state":"ON"{% if effect is defined %},"effect":"{{ \'none\' if effect == \'off\' else effect }}"'
               '{% endif %}{% if flash is defined %},"flash":{{ 10 if flash == \'long\' else 2 }}{% endif %}'
               '{% if transition is defined %},"transition":{{ transition }}{% endif %}}')
OFF_TEMPLATE = ('{"state":"OFF"{% if flash is defined %},"flash":{{ 10 if flash == \'long\' else 2 }}{% endif %}'
                '{% if transition is defined %},"transition":{{ transition }}{% endif %}}')


def light(name, line):
    return {"name": name, "unique_id": f"{N}_{line}", "schema": "template",
            "command_topic": f"{P}/{line}/set", "state_topic": f"{P}/{line}/state",
            "json_attributes_topic": f"{P}/{line}/attributes", "command_on_template": ON_TEMPLATE,
            "command_off_template": OFF_TEMPLATE, "state_template": "{{ value_json.state | lower }}",
            "effect_template": "{{ value_json.get('effect') or 'off' }}", "effect_list": ["off", "blink"],
            "supported_color_modes": ["onoff"], "retain": False, "optimistic": False, **COMMON}


LED = (f"homeassistant/light/{N}/config", light("LED", "led"))
BUZZER = (f"homeassistant/light/{N}/buzzer/config", light("buzzer", "buzzer"))
PUMP = (f"homeassistant/switch/{N}/pump/config",
        {"name": "pump", "unique_id": f"{N}_pump", "command_topic": f"{P}/pump/set",
         "state_topic": f"{P}/pump/state", "json_attributes_topic": f"{P}/pump/attributes",
         "payload_on": '{"state":"ON"}', "payload_off": '{"state":"OFF"}',
         "value_template": "{{ value_json.state }}", "state_on": "ON", "state_off": "OFF",
         "device_class": "switch", "optimistic": False, "retain": False, **COMMON})
DOOR = (f"homeassistant/binary_sensor/{N}/door/config",
        {"name": "door", "unique_id": f"{N}_door", "state_topic": f"{P}/door/state",
         "value_template": "{{ value_json.state }}", "payload_on": "ON", "payload_off": "OFF",
         "device_class": "door", **COMMON})
DOOR_EDGE = (f"homeassistant/event/{N}/door/config",
             {"name": "door edge", "unique_id": f"{N}_door.edge", "state_topic": f"{P}/door/event",
              "event_types": ["rising", "falling", "missed"], **COMMON})
DOOR_COUNT = (f"homeassistant/sensor/{N}/door_count/config",
              {"name": "door count", "unique_id": f"{N}_door.count", "state_topic": f"{P}/door/state",
               "value_template": "{{ value_json.count }}", "state_class": "total_increasing", **COMMON})
BOARD = [LED, BUZZER, PUMP, DOOR, DOOR_EDGE, DOOR_COUNT]


def changed(entry, drop=(), **keys):
    """A copy of (topic, config) with keys set (None: removed) and dropped."""
    topic, config = entry
    config = copy.deepcopy(config)
    for key in drop:
        config.pop(key, None)
    config.update(keys)
    return topic, config


def check(version, *entries):
    """(entities, log lines) of the entries as one board."""
    log = ha.Log(version)
    pairs = [(t, c if isinstance(c, str) else json.dumps(c)) for t, c in entries]
    return ha.check_board(log, pairs), log.lines


def entity(version, entry):
    log = ha.Log(version)
    (e,) = ha.discover(log, entry[0], json.dumps(entry[1]))
    return e, log


class Base(unittest.TestCase):
    def assertTaken(self, *entries, versions=ha.VERSIONS):
        for version in versions:
            entities, lines = check(version, *entries)
            self.assertEqual(lines, [], version)
            self.assertEqual(len(entities), len(entries), version)

    def assertHaLogs(self, text, *entries, versions=ha.VERSIONS, created=None):
        """Every version in versions logs a line with text; created: how many entities it makes."""
        for version in versions:
            entities, lines = check(version, *entries)
            self.assertTrue(any(text in line for line in lines), f"{version}: {text!r} not in {lines}")
            if created is not None:
                self.assertEqual(len(entities), created, version)

    def states(self, version, entry, *payloads, retained=False):
        e, log = entity(version, entry)
        return ha.states(log, e, list(payloads), retained), log.lines


class ThePlan(Base):
    def test_board_taken_by_every_version(self):
        self.assertTaken(*BOARD)

    def test_entity_ids(self):
        entities, _ = check("newest", *BOARD)
        self.assertEqual([e["entity_id"] for e in entities],
                         ["light.board1_led", "light.board1_buzzer", "switch.board1_pump",
                          "binary_sensor.board1_door", "event.board1_door_edge", "sensor.board1_door_count"])

    def test_the_led_alone_as_today(self):
        self.assertTaken(LED)

    def test_names_cannot_meet_in_unique_ids(self):
        # An output named door_count beside the input door: "." is in no line name and no node id
        door_count = (f"homeassistant/switch/{N}/door_count/config",
                      {**PUMP[1], "name": "door_count", "unique_id": f"{N}_door_count",
                       "command_topic": f"{P}/door_count/set", "state_topic": f"{P}/door_count/state"})
        self.assertTaken(*BOARD, door_count)


class DiscoveryTopics(Base):
    """mqtt/discovery.py async_discovery_message_received()."""

    def test_device_discovery_is_not_in_2024_1(self):
        # 2024.1: SUPPORTED_COMPONENTS has no "device": "Integration device is not supported"
        payload = {"device": DEVICE, "origin": ORIGIN,
                   "components": {"pump": {"platform": "switch", **PUMP[1]}}}
        entry = (f"homeassistant/device/{N}/config", payload)
        self.assertHaLogs("Integration device is not supported", entry, versions=["2024.1"], created=0)
        self.assertTaken(entry, versions=["newest"])  # discovery.py _parse_device_payload(), 2024.11

    def test_illegal_topic(self):
        # TOPIC_MATCHER: node and object ids of [a-zA-Z0-9_-] only
        self.assertHaLogs("illegal discovery topic", ("homeassistant/switch/msgq.b1/pump/config", PUMP[1]),
                          created=0)

    def test_not_json(self):
        self.assertHaLogs("Unable to parse JSON pump", (PUMP[0], "{"), created=0)

    def test_two_configs_on_one_topic(self):
        self.assertHaLogs("contract: two configs on", PUMP, changed(PUMP, unique_id="other"), created=2)


class DeviceAndOrigin(Base):
    def test_serial_number_refused_by_2024_1(self):
        # mixins.py MQTT_ENTITY_DEVICE_INFO_SCHEMA (2024.1) has no serial_number: extra keys not allowed
        entry = changed(PUMP, device={**DEVICE, "serial_number": "1"})
        self.assertHaLogs("extra keys not allowed @ data['device']['serial_number']", entry,
                          versions=["2024.1"], created=0)
        self.assertTaken(entry, versions=["newest"])

    def test_device_without_identifiers(self):
        # validate_device_has_at_least_one_identifier()
        self.assertHaLogs("at least one identifying value", changed(PUMP, device={"name": "board1"}), created=0)

    def test_device_without_name(self):
        # mixins.py _set_entity_name() (2024.1), entity.py (newest): logged at info
        self.assertHaLogs("always needs to include a name", changed(PUMP, device={"identifiers": [N]}), created=1)

    def test_entity_name_starts_with_device_name(self):
        self.assertHaLogs("starts with the device name", changed(PUMP, name="board1 pump"), created=1)

    def test_entity_name_is_device_name(self):
        self.assertHaLogs("device name is equal to entity name", changed(PUMP, name="board1"), created=1)

    def test_origin_without_name_drops_the_config(self):
        # discovery.py: MQTT_ORIGIN_INFO_SCHEMA fails: "Unable to parse origin information", no entity
        self.assertHaLogs("Unable to parse origin information", changed(PUMP, origin={"sw_version": "1"}),
                          created=0)

    def test_origin_with_another_key(self):
        self.assertHaLogs("Unable to parse origin information",
                          changed(PUMP, origin={**ORIGIN, "url": "x"}), created=0)

    def test_two_devices(self):
        self.assertHaLogs("not on one device", PUMP, changed(DOOR, device={**DEVICE, "name": "other"}))


class UniqueIds(Base):
    def test_same_unique_id_same_platform(self):
        # helpers/entity_platform.py: "Platform mqtt does not generate unique IDs"
        other = (f"homeassistant/switch/{N}/fan/config",
                 {**PUMP[1], "command_topic": f"{P}/fan/set", "name": "fan"})
        self.assertHaLogs("does not generate unique IDs", PUMP, other)

    def test_same_unique_id_other_platform(self):
        # entity_registry.py: the key is (domain, platform, unique_id); HA takes it, msgq's contract not
        self.assertHaLogs("contract: event.board1_door has the unique_id",
                          DOOR, changed(DOOR_EDGE, unique_id=f"{N}_door", name="door"))
        self.assertHaLogs("contract: switch.board1_door_count has the unique_id", DOOR_COUNT,
                          changed(PUMP, unique_id=f"{N}_door.count", name="door_count"))

    def test_no_unique_id(self):
        self.assertHaLogs("contract: no unique_id", changed(PUMP, drop=["unique_id"]))

    def test_object_id_deprecated_in_newest(self):
        # mqtt/entity.py, HA pull request 151775 (2025.10)
        entry = changed(PUMP, object_id="board1_pump")
        self.assertHaLogs("deprecated option `object_id`", entry, versions=["newest"], created=1)
        self.assertTaken(entry, versions=["2024.1"])

    def test_default_entity_id_dropped_by_2024_1(self):
        # 2024.1's schemas have no default_entity_id: removed without a word (vol.REMOVE_EXTRA)
        self.assertTaken(changed(PUMP, default_entity_id="switch.board1_pump"))


class Switch(Base):
    def test_command_topic_required(self):
        # config.py MQTT_RW_SCHEMA: vol.Required(CONF_COMMAND_TOPIC)
        self.assertHaLogs("required key not provided @ data['command_topic']",
                          changed(PUMP, drop=["command_topic"]), created=0)

    def test_device_class_relay(self):
        # switch/__init__.py SwitchDeviceClass: outlet, switch
        self.assertHaLogs("data['device_class']", changed(PUMP, device_class="relay"), created=0)

    def test_wildcard_in_command_topic(self):
        # util.py valid_publish_topic()
        self.assertHaLogs("Wildcards cannot be used in topic names", changed(PUMP, command_topic=f"{P}/+/set"),
                          created=0)

    def test_without_state_topic_optimistic(self):
        # switch.py _setup_from_config(): optimistic without a state topic
        self.assertHaLogs("would be optimistic", changed(PUMP, drop=["state_topic"]))

    def test_command_template_not_in_2024_1(self):
        self.assertHaLogs("command_template is dropped by HA 2024.1",
                          changed(PUMP, command_template="{{ value }}"), versions=["2024.1"])

    def test_commands(self):
        for version in ha.VERSIONS:
            e, log = entity(version, PUMP)
            self.assertEqual(ha.command(log, e, "on", []), '{"state":"ON"}')
            self.assertEqual(ha.command(log, e, "off", []), '{"state":"OFF"}')
            self.assertEqual(log.lines, [])

    def test_states(self):
        for version in ha.VERSIONS:
            out, lines = self.states(version, PUMP, '{"state":"ON","effect":null}',
                                     '{"state":"OFF","effect":null}', '{"state":"ON","effect":"blink","period_ms":500}')
            self.assertEqual((out, lines), (["on", "off", "on"], []))

    def test_state_matching_nothing(self):
        out, lines = self.states("2024.1", PUMP, '{"state":"on"}')
        self.assertEqual(out, ["unknown"])
        self.assertIn("contract: the switch ignores", lines[0])


class BinarySensor(Base):
    def test_state_topic_required(self):
        # config.py MQTT_RO_SCHEMA: vol.Required(CONF_STATE_TOPIC)
        self.assertHaLogs("required key not provided @ data['state_topic']",
                          changed(DOOR, drop=["state_topic"]), created=0)

    def test_device_class(self):
        self.assertHaLogs("data['device_class']", changed(DOOR, device_class="contact"), created=0)
        self.assertTaken(changed(DOOR, device_class="motion"))
        self.assertTaken(changed(DOOR, device_class="opening"))

    def test_bridge_checks_the_same_classes(self):
        # mqtt/settings.c refuses a device_class in mqtt.conf that HA would refuse; its list
        # must be this model's, neither more (HA drops the config) nor less (a class refused).
        import re
        with open(os.path.join(HERE, "..", "mqtt", "settings.c"), encoding="utf-8") as f:
            src = f.read()
        m = re.search(r"settings_binary_sensor_classes\[\] = \{(.*?)NULL", src, re.S)
        self.assertIsNotNone(m, "no settings_binary_sensor_classes[] in mqtt/settings.c")
        listed = re.findall(r'"([a-z_]+)"', m.group(1))
        self.assertEqual(len(listed), len(set(listed)), "a class twice in mqtt/settings.c")
        self.assertEqual(set(listed), ha.BINARY_SENSOR_CLASSES)

    def test_expire_after(self):
        self.assertHaLogs("contract: expire_after", changed(DOOR, expire_after=60))
        self.assertHaLogs("expected a positive int", changed(DOOR, expire_after=-1), created=0)

    def test_states(self):
        for version in ha.VERSIONS:
            out, lines = self.states(version, DOOR, '{"state":"ON","count":1}', '{"state":"OFF","count":2}',
                                     '{"state":"None"}')
            self.assertEqual((out, lines), (["on", "off", "unknown"], []))

    def test_state_matching_nothing(self):
        # binary_sensor.py: "No matching payload found for entity", at info
        out, lines = self.states("newest", DOOR, '{"state":"ON"}', '{"state":"open"}')
        self.assertEqual(out, ["on", "on"])
        self.assertIn("No matching payload found", lines[0])

    def test_missing_key_in_state(self):
        # helpers/template.py: an undefined variable printed is logged (ha-light.py's Undefined)
        _, lines = self.states("newest", DOOR, '{"level":1}')
        self.assertTrue(any("Template variable warning" in line for line in lines), lines)


class Event(Base):
    RISING = '{"event_type":"rising","number":7,"level":1,"time":"2026-12-07T01:00:00.000001Z","count":3}'

    def test_event_types_required(self):
        # event.py: vol.Required(CONF_EVENT_TYPES)
        self.assertHaLogs("required key not provided @ data['event_types']",
                          changed(DOOR_EDGE, drop=["event_types"]), created=0)

    def test_device_class_door(self):
        # event/__init__.py EventDeviceClass: doorbell, button, motion
        self.assertHaLogs("EventDeviceClass", changed(DOOR_EDGE, device_class="door"), created=0)
        self.assertTaken(changed(DOOR_EDGE, device_class="motion"))

    def test_events(self):
        for version in ha.VERSIONS:
            out, lines = self.states(version, DOOR_EDGE, self.RISING,
                                     '{"event_type":"missed","number":12,"missed":4,"reason":"overflow"}')
            self.assertEqual(lines, [])
            self.assertEqual(out, ['rising {"count": 3, "level": 1, "number": 7, "time": "2026-12-07T01:00:00.000001Z"}',
                                   'missed {"missed": 4, "number": 12, "reason": "overflow"}'])

    def test_unknown_event_type(self):
        # event/__init__.py _trigger_event() raises; event.py: "Invalid event type"
        out, lines = self.states("2024.1", DOOR_EDGE, '{"event_type":"gap","number":8}')
        self.assertEqual(out, ["ignored"])
        self.assertIn("Invalid event type gap", lines[0])

    def test_missing_event_type(self):
        out, lines = self.states("newest", DOOR_EDGE, '{"number":8}')
        self.assertEqual(out, ["ignored"])
        self.assertIn("`event_type` missing", lines[0])

    def test_not_json(self):
        out, lines = self.states("newest", DOOR_EDGE, "rising")
        self.assertIn("No valid JSON event payload", lines[0])

    def test_empty_ignored_silently(self):
        self.assertEqual(self.states("newest", DOOR_EDGE, "", "{}", "None"), (["ignored"] * 3, []))

    def test_retained_ignored(self):
        # event.py: "Ignoring event trigger from replayed retained payload"
        out, lines = self.states("2024.1", DOOR_EDGE, self.RISING, retained=True)
        self.assertEqual(out, ["ignored"])
        self.assertIn("retained event is ignored", lines[0])


class Sensor(Base):
    def test_state_class(self):
        self.assertHaLogs("data['state_class']", changed(DOOR_COUNT, state_class="increasing"), created=0)

    def test_last_reset_template_with_total_increasing(self):
        # newest sensor.py validate_sensor_state_and_device_class_config(); 2024.1 took it
        entry = changed(DOOR_COUNT, last_reset_value_template="{{ value_json.since }}")
        self.assertHaLogs("cannot be used together with state class `total_increasing`", entry,
                          versions=["newest"], created=0)
        self.assertTaken(entry, versions=["2024.1"])

    def test_last_reset_topic_removed(self):
        self.assertHaLogs("'last_reset_topic' option has been removed",
                          changed(DOOR_COUNT, last_reset_topic=f"{P}/x"), created=0)

    def test_counts_and_a_meter_reset(self):
        # sensor/recorder.py reset_detected(): below 90 % of the last state is a new cycle, the sum goes on
        out, lines = self.states("2024.1", DOOR_COUNT, '{"count":10}', '{"count":12}', '{"count":0}',
                                 '{"count":3}')
        self.assertEqual((out, lines), (["10 sum 0", "12 sum 2", "0 sum 2 new cycle", "3 sum 5"], []))
        # 15 % down is a new cycle already (a counter's state file lost after 85 edges of 100)
        out, lines = self.states("newest", DOOR_COUNT, '{"count":100}', '{"count":85}', '{"count":86}')
        self.assertEqual((out, lines), (["100 sum 0", "85 sum 85 new cycle", "86 sum 86"], []))

    def test_small_dips_warned_from_the_second(self):
        # sensor/recorder.py warn_dip(): the first dip is not logged, the second is
        out, lines = self.states("newest", DOOR_COUNT, '{"count":100}', '{"count":99}', '{"count":100}')
        self.assertEqual(lines, [])
        out, lines = self.states("newest", DOOR_COUNT, '{"count":100}', '{"count":99}', '{"count":100}',
                                 '{"count":98}')
        self.assertIn("not strictly increasing", lines[0])

    def test_negative(self):
        _, lines = self.states("newest", DOOR_COUNT, '{"count":3}', '{"count":-1}')
        self.assertIn("state is negative", lines[0])

    def test_not_a_number(self):
        # sensor/__init__.py state: "thus indicating it has a numeric value; however, it has the non-numeric value"
        out, lines = self.states("2024.1", DOOR_COUNT, '{"count":3}', '{"count":"many"}')
        self.assertEqual(out[1], "3")
        self.assertIn("non-numeric value: 'many'", lines[0])


class Light(Base):
    def test_buzzer_commands(self):
        e, log = entity("newest", BUZZER)
        self.assertEqual(ha.command(log, e, "on", ["effect=blink"]), '{"state":"ON","effect":"blink"}')
        self.assertEqual(log.lines, [])

    def test_without_command_template(self):
        # light/schema_template.py: vol.Required(CONF_COMMAND_ON_TEMPLATE)
        self.assertHaLogs("required key not provided @ data['command_on_template']",
                          changed(BUZZER, drop=["command_on_template"]))


class CommandLine(unittest.TestCase):
    def run_model(self, *args):
        return subprocess.run([sys.executable, os.path.join(HERE, "ha-discovery.py"), *args],
                              capture_output=True, text=True, timeout=60)

    def test_check_board(self):
        args = [a for t, c in BOARD for a in (t, json.dumps(c))]
        r = self.run_model("check", "all", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("HA 2024.1: switch.board1_pump (switch msgq_board1 pump)", r.stdout)

    def test_failing_state(self):
        r = self.run_model("states", "newest", DOOR_EDGE[0], json.dumps(DOOR_EDGE[1]), "-r", Event.RISING)
        self.assertEqual(r.returncode, 1)
        self.assertIn("retained event is ignored", r.stderr)

    def test_usage(self):
        r = self.run_model("check", "2023.1", LED[0], json.dumps(LED[1]))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ha-discovery.py check VERSION", r.stderr)


if __name__ == "__main__":
    unittest.main()
