'use strict';
/**
 * Stand-ins for the four packages the React Native chat SDK (4.0.21) requires, so the
 * unmodified bundle runs in Node. None of them is on the ringing path:
 *
 * - `react-native`: the SDK reads the platform name and version (sent to the server as device
 *   info), the locale from `NativeModules`, the screen size (telemetry) and subscribes to
 *   `AppState` "change" events (to drop and re-open its socket when the app goes to the
 *   background). The app here never leaves the foreground, so no "change" event is ever sent.
 * - `react`: the bundle declares a call-screen component by extending `Component` at load time;
 *   nothing renders it without the calls package's media half.
 * - `@react-native-async-storage/async-storage`: where the SDK keeps its user and settings. An
 *   in-memory store, so every device starts logged out (as localStorage does for the web SDK).
 * - `@cometchat/calls-sdk-react-native`: the media half (WebRTC call screen). The chat SDK only
 *   checks that it can be required (its calling functions refuse `ERROR_CALL_MODULE_NOT_FOUND`
 *   otherwise) and reads its `package.json` version; ringing (initiate, accept, reject, cancel,
 *   end, the listeners) is entirely in the chat SDK. Its exports are empty, so any attempt to
 *   start media would fail loudly rather than pretend.
 */

const listeners = () => {
  const set = new Set();
  return {
    addEventListener(type, fn) {
      const entry = { type, fn };
      set.add(entry);
      return { remove: () => set.delete(entry) };
    },
    removeEventListener(type, fn) {
      for (const entry of set) if (entry.type === type && entry.fn === fn) set.delete(entry);
    },
  };
};

const reactNative = {
  Platform: {
    OS: 'android',
    Version: 34,
    select: (choices) => (choices.android !== undefined ? choices.android : choices.default),
  },
  AppState: { currentState: 'active', ...listeners() },
  Dimensions: { get: () => ({ width: 411, height: 891, scale: 2.6, fontScale: 1 }), ...listeners() },
  NativeModules: {
    SettingsManager: { settings: { AppleLocale: 'en_US', AppleLanguages: ['en-US'] } },
    I18nManager: { localeIdentifier: 'en_US' },
  },
};

class Component {
  constructor(props) {
    this.props = props;
  }
}
class PureComponent extends Component {}
const react = { Component, PureComponent, default: { Component, PureComponent } };

function asyncStorage() {
  const items = new Map();
  const api = {
    getItem: async (key) => (items.has(key) ? items.get(key) : null),
    setItem: async (key, value) => {
      items.set(key, String(value));
    },
    removeItem: async (key) => {
      items.delete(key);
    },
    clear: async () => {
      items.clear();
    },
    getAllKeys: async () => Array.from(items.keys()),
    multiRemove: async (keys) => {
      for (const key of keys) items.delete(key);
    },
  };
  return { ...api, default: api };
}

class CallsStandIn {}
const calls = {
  default: CallsStandIn,
  CometChatRTC: {},
  CometChatCalls: {},
  CallEventListener: CallsStandIn,
};

/** Module name -> the stand-in the bundle's `require` gets instead (see loader.js). */
function reactNativeStandIns() {
  return {
    'react-native': reactNative,
    react,
    '@react-native-async-storage/async-storage': asyncStorage(),
    '@cometchat/calls-sdk-react-native': calls,
    '@cometchat/calls-sdk-react-native/package.json': {
      name: '@cometchat/calls-sdk-react-native',
      version: '0.0.0-ringcheck-stand-in',
    },
  };
}

module.exports = { reactNativeStandIns };
