@doc:end-call
@behaviour:end-tells-other-party @behaviour:ended-call-final-status @behaviour:session-id-names-the-call
Feature: Ending a call
  Either party can end a call that is under way; the other party hears that it ended. Each then
  clears their active call, ready for the next one.

  Background:
    Given Alex and Bob are signed in
    And Alex and Bob are in a call

  @behaviour:ender-hears-nothing-back
  Scenario Outline: <who> ends the call and <other> is told
    When <who> ends the call
    Then <other> is told that <who> ended the call
    And Alex and Bob are not told anything more

    Examples:
      | who  | other |
      | Alex | Bob   |
      | Bob  | Alex  |

  @behaviour:end-then-clear-active-call @behaviour:terminal-clears-active-call
  Scenario: After the call ends neither of them has an active call
    When Alex ends the call
    And Alex clears his active call
    Then Bob is told that Alex ended the call
    And Alex has no active call
    And Bob has no active call

  @behaviour:end-then-clear-active-call @behaviour:accept-tells-caller @behaviour:call-type-audio-or-video
  Scenario Outline: The next call after an ended one works: <a call>
    When Bob ends the call
    And Bob clears his active call
    Then Alex is told that Bob ended the call
    When Alex clears his active call
    And Alex starts <a call> to Bob
    Then Bob is told of an incoming call from Alex
    When Bob accepts the call
    Then Alex is told that Bob accepted the call

    Examples:
      | a call        |
      | an audio call |
      | a video call  |

  @behaviour:end-clears-enders-active-call
  Scenario: Ending the call clears Alex's active call, so his next call can start at once
    When Alex ends the call
    Then Bob is told that Alex ended the call
    And Alex has no active call
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex

  @behaviour:terminal-clears-active-call
  Scenario: Being told that the call ended is enough for Bob to start the next call
    When Alex ends the call
    Then Bob is told that Alex ended the call
    And Bob has no active call
    When Bob starts a video call to Alex
    Then Alex is told of an incoming call from Bob
