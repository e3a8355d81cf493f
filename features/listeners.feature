@doc:call-listeners
@behaviour:listener-hears-call-events
Feature: Call listeners
  An app hears about calls through listeners, each registered under its own id. When someone
  signs in, their app registers a listener with the id "app".

  Background:
    Given Alex and Bob are signed in

  @behaviour:every-listener-hears-every-event @behaviour:cancel-tells-receiver
  Scenario: Every listener hears every event
    Given Bob also listens with a listener "ringtone"
    When Alex starts an audio call to Bob
    Then Bob's listeners "app" and "ringtone" are both told of an incoming call from Alex
    When Alex cancels the call
    Then Bob's listeners "app" and "ringtone" are both told that Alex cancelled the call

  @behaviour:listener-id-no-duplicates
  Scenario: Registering a listener id again replaces the listener instead of adding one
    Given Bob registers his listener "app" again
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    And Bob is not told anything more

  @behaviour:remove-listener-stops-events
  Scenario: A removed listener hears nothing more
    Given Bob also listens with a listener "ringtone"
    When Bob removes his listener "app"
    And Alex starts a video call to Bob
    Then Bob's listener "ringtone" is told of an incoming call from Alex
    And Bob is not told anything more

  @behaviour:register-listener-before-call
  Scenario: A listener added after the call rang hears what follows, not the ring
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob also listens with a listener "late"
    And Alex cancels the call
    Then Bob's listeners "app" and "late" are both told that Alex cancelled the call
    And Bob is not told anything more
