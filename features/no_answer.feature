@doc:initiate-call @needs:time-control
Feature: A call nobody answers
  A call that rings without an answer stops by itself: after 45 seconds, or after the timeout
  Alex chose when he started it. Alex hears that it went unanswered, and Bob that he missed it.

  Background:
    Given Alex and Bob are signed in

  @behaviour:default-timeout-45s @behaviour:timeout-told-as-unanswered @behaviour:terminal-clears-active-call @behaviour:call-type-audio-or-video
  Scenario Outline: A call that nobody answers stops after 45 seconds: <a call>
    When Alex starts <a call> to Bob
    Then Bob is told of an incoming call from Alex
    When the call rings for 45 seconds without an answer
    Then Alex is told that the call went unanswered
    And Bob is told that he missed the call
    And Alex has no active call

    Examples:
      | a call        |
      | an audio call |
      | a video call  |

  @behaviour:default-timeout-45s @behaviour:timeout-told-as-unanswered
  Scenario: Nothing happens a moment before the 45 seconds are up
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When the call rings for 44 seconds without an answer
    Then Alex and Bob are not told anything more
    And Alex's active call is the call
    When one more second passes
    Then Alex is told that the call went unanswered
    And Bob is told that he missed the call

  @behaviour:custom-timeout @behaviour:timeout-told-as-unanswered
  Scenario: Alex chooses a longer timeout
    When Alex starts a video call to Bob with a timeout of 60 seconds
    Then Bob is told of an incoming call from Alex
    When the call rings for 59 seconds without an answer
    Then Alex and Bob are not told anything more
    When one more second passes
    Then Alex is told that the call went unanswered
    And Bob is told that he missed the call

  @behaviour:custom-timeout @behaviour:timeout-told-as-unanswered
  Scenario: Alex chooses a shorter timeout
    When Alex starts an audio call to Bob with a timeout of 10 seconds
    Then Bob is told of an incoming call from Alex
    When the call rings for 9 seconds without an answer
    Then Alex and Bob are not told anything more
    When one more second passes
    Then Alex is told that the call went unanswered
    And Bob is told that he missed the call

  @behaviour:timeout-not-positive-means-45s @behaviour:default-timeout-45s
  Scenario Outline: A timeout of <timeout> seconds means the usual 45 seconds
    When Alex starts an audio call to Bob with a timeout of <timeout> seconds
    Then Bob is told of an incoming call from Alex
    When the call rings for 44 seconds without an answer
    Then Alex and Bob are not told anything more
    When one more second passes
    Then Alex is told that the call went unanswered

    Examples:
      | timeout |
      | 0       |
      | -5      |

  @behaviour:timeout-whole-seconds @behaviour:custom-timeout
  Scenario Outline: A timeout of <timeout> seconds is counted in whole seconds
    When Alex starts an audio call to Bob with a timeout of <timeout> seconds
    Then Bob is told of an incoming call from Alex
    When the call rings for <a moment before> seconds without an answer
    Then Alex and Bob are not told anything more
    When one more second passes
    Then Alex is told that the call went unanswered
    And Bob is told that he missed the call

    Examples:
      | timeout | a moment before |
      | 30.7    | 29              |
      | 10.2    | 9               |

  @needs:two-devices
  @behaviour:timeout-reaches-every-device @behaviour:every-device-rings
  Scenario: A call nobody answers stops ringing on every device Bob is signed in on
    Given Bob is also signed in on his laptop
    When Alex starts a video call to Bob
    Then Bob's phone and Bob's laptop are told of an incoming call from Alex
    When the call rings for 45 seconds without an answer
    Then Alex is told that the call went unanswered
    And Bob's phone and Bob's laptop are told that they missed the call
    And Alex and Bob are not told anything more

  @behaviour:accept-stops-timeout @behaviour:accept-tells-caller
  Scenario: An accepted call never times out later
    When Alex starts an audio call to Bob
    Then Bob is told of an incoming call from Alex
    When Bob accepts the call
    Then Alex is told that Bob accepted the call
    When the call rings for 120 seconds without an answer
    Then Alex and Bob are not told anything more
    And Alex's active call is the call
    And Bob's active call is the call
