@doc:reject-call
@behaviour:reject-with-rejected-status @behaviour:reject-tells-caller @behaviour:session-id-names-the-call
Feature: Rejecting a call
  Bob does not want to talk now: he rejects Alex's call, and Alex hears that he did.

  Background:
    Given Alex and Bob are signed in

  @behaviour:call-type-audio-or-video @behaviour:incoming-call-carries-details @behaviour:terminal-clears-active-call
  Scenario Outline: Bob rejects <a call> from Alex
    When Alex starts <a call> to Bob
    Then Bob is told of an incoming call from Alex
    When Bob rejects the call
    Then Alex is told that Bob rejected the call
    And Alex has no active call
    And Alex and Bob are not told anything more

    Examples:
      | a call        |
      | an audio call |
      | a video call  |

  @behaviour:terminal-clears-active-call
  Scenario: After a rejected call Alex can call again
    When Alex starts an audio call to Bob
    And Bob rejects the call
    Then Alex is told that Bob rejected the call
    When Alex starts a video call to Bob
    Then Bob is told of an incoming call from Alex

  @behaviour:session-id-unique
  Scenario: Every call Alex makes has a session of its own
    When Alex starts an audio call to Bob
    And Bob rejects the call
    Then Alex is told that Bob rejected the call
    When Alex starts a video call to Bob
    Then Bob is told of an incoming call from Alex
    And each of Alex's calls has a session of its own
