// offscreen's GNOME Shell extension, the variant for GNOME 45 and later (ES modules).
// GNOME 43 and 44 load only the legacy format: ../legacy/extension.js is that variant.

import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

import * as Main from 'resource:///org/gnome/shell/ui/main.js';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

// --- shared: the same text in legacy/extension.js and esm/extension.js (tests/test_gnome.py checks) ---
// Reports the focused window and the lock state of GNOME Shell on the session bus, for offscreen's
// daemon (tracker/sampling/gnome.py). Read-only: one method that returns the current state and one
// signal that carries it whenever it changes; nothing here can be controlled from the bus. Only
// MetaWindow calls that have not changed since GNOME 3.x are used (get_wm_class, get_title,
// get_pid): extensions that also read geometry broke on GNOME 44 and 49.
const BUS_NAME = 'local.offscreen.Focus';
const OBJECT_PATH = '/local/offscreen/Focus';
const INTERFACE_XML = `<node>
  <interface name="local.offscreen.Focus1">
    <method name="Get">
      <arg type="b" name="has_window" direction="out"/>
      <arg type="s" name="wm_class" direction="out"/>
      <arg type="s" name="title" direction="out"/>
      <arg type="i" name="pid" direction="out"/>
      <arg type="b" name="locked" direction="out"/>
    </method>
    <signal name="Changed">
      <arg type="b" name="has_window"/>
      <arg type="s" name="wm_class"/>
      <arg type="s" name="title"/>
      <arg type="i" name="pid"/>
      <arg type="b" name="locked"/>
    </signal>
  </interface>
</node>`;

class FocusReporter {
    constructor(shield) {
        this._shield = shield;
        this._window = null;
        this._windowSignals = [];
        this._last = null;
        this._dbus = Gio.DBusExportedObject.wrapJSObject(INTERFACE_XML, this);
        this._dbus.export(Gio.DBus.session, OBJECT_PATH);
        this._displaySignal = global.display.connect('notify::focus-window', () => this._track());
        // The lock screen (or the blanked shield before it locks) means the user is away.
        this._shieldSignals = shield
            ? ['locked-changed', 'active-changed'].map(name => shield.connect(name, () => this._changed()))
            : [];
        this._track();
        // Owned last: a client that sees the name can Get at once.
        this._nameId = Gio.bus_own_name_on_connection(Gio.DBus.session, BUS_NAME, Gio.BusNameOwnerFlags.NONE,
            null, null);
    }

    _state() {
        const win = this._window;
        const locked = Boolean(this._shield && (this._shield.locked || this._shield.active));
        if (!win)
            return [false, '', '', 0, locked];
        const pid = win.get_pid();
        return [true, win.get_wm_class() || '', win.get_title() || '', pid > 0 ? pid : 0, locked];
    }

    Get() {
        return this._state();
    }

    _track() {
        const win = global.display.focus_window;
        if (win !== this._window) {
            this._untrack();
            this._window = win;
            if (win) {
                this._windowSignals = ['notify::title', 'notify::wm-class'].map(
                    name => win.connect(name, () => this._changed()));
                // A closed window: "no window" until the shell focuses another (focus-window follows).
                this._windowSignals.push(win.connect('unmanaged', () => {
                    this._untrack();
                    this._changed();
                }));
            }
        }
        this._changed();
    }

    _untrack() {
        if (this._window)
            this._windowSignals.forEach(id => this._window.disconnect(id));
        this._windowSignals = [];
        this._window = null;
    }

    _changed() {
        const state = this._state();
        if (this._last && state.every((v, i) => v === this._last[i]))
            return;
        this._last = state;
        this._dbus.emit_signal('Changed', new GLib.Variant('(bssib)', state));
    }

    destroy() {
        Gio.bus_unown_name(this._nameId);
        global.display.disconnect(this._displaySignal);
        this._shieldSignals.forEach(id => this._shield.disconnect(id));
        this._untrack();
        this._dbus.unexport();
        this._dbus = null;
    }
}
// --- end shared ---

export default class OffscreenExtension extends Extension {
    enable() {
        this._reporter = new FocusReporter(Main.screenShield);
    }

    disable() {
        this._reporter?.destroy();
        this._reporter = null;
    }
}
