@doc:busy-call-handling
@behaviour:busy-call-still-rings
Feature: Answering that you are busy
  Bob is already talking to Carol when Alex calls. Bob still hears the new call (nothing answers
  busy for him), and his app may answer that he is busy. His call with Carol carries on.

  Background:
    Given Alex, Bob and Carol are signed in
    And Carol and Bob are in a call

  Scenario: Bob still hears a new call while he is in another one
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    And Alex is not told anything more

  @behaviour:busy-tells-caller @behaviour:call-type-audio-or-video @behaviour:terminal-clears-active-call @behaviour:session-id-names-the-call
  Scenario Outline: Bob answers <a call> from Alex that he is busy
    When Alex starts <a call> to Bob
    Then Bob is told of an incoming call from Alex
    When Bob answers the call with Alex that he is busy
    Then Alex is told that Bob is busy
    And Alex has no active call
    And Alex is not told anything more

    Examples:
      | a call        |
      | an audio call |
      | a video call  |

  @behaviour:busy-keeps-current-call @behaviour:end-tells-other-party
  Scenario: Answering busy leaves Bob's current call intact
    When Alex starts a video call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob answers the call with Alex that he is busy
    Then Bob's active call is the call with Carol
    And Carol is not told anything more
    When Carol ends the call with Bob
    Then Bob is told that the call with Carol has ended
