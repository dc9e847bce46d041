// Answer extraction and comparison against real-shaped answers, each row what the harness's rule gives: MATH's boxed
// answers normalised as hendrycks_math's is_equiv does (including where it does not normalise: bare %, commas,
// \text{(A)}), Minerva's "The final answer is" form, and GSM8K's "#### N" else last number.
using Rho1.Evaluation.Tasks;

namespace Rho1.Tests.Evaluation.Tasks;

public class MathAnswersTests
{
    [Theory]
    [InlineData(@"\frac{1}{2}", @"\dfrac{1}{2}", true)]
    [InlineData(@"\frac{1}{2}", @"\frac12", true)]
    [InlineData(@"\frac{1}{2}", "0.5", true)]
    [InlineData(@"\frac{1}{2}", ".5", true)]
    [InlineData(@"\frac{1}{2}", "1/2", true)]
    [InlineData(@"\frac{3}{4}", @"\tfrac34", true)]
    [InlineData(@"\frac{3}{4}", "3/4", true)]
    [InlineData("(3,4)", @"\left( 3, 4 \right)", true)]
    [InlineData("90", @"90^\circ", true)]
    [InlineData("90", @"90^{\circ}", true)]
    [InlineData("18.90", @"\$18.90", true)]
    [InlineData("5", @"\$ 5", true)]
    [InlineData("10", @"10\%", true)]
    [InlineData("10", "10%", false)]                      // a bare % is not removed
    [InlineData("5", @"5 \text{ cm}", true)]               // units after "\text{ " dropped
    [InlineData("5", @"5\text{ cm}^2", true)]
    [InlineData("5", "x = 5", true)]                       // a short left-hand side dropped
    [InlineData("3", "y=3", true)]
    [InlineData("6", "2x = 6", false)]                     // not when it is longer than two characters
    [InlineData(@"\sqrt{2}", @"\sqrt2", true)]
    [InlineData(@"2\sqrt{3}", @"2 \sqrt{3}", true)]
    [InlineData(@"\frac{\sqrt{3}}{2}", @"\frac{\sqrt3}{2}", true)]
    [InlineData("-2", "- 2", true)]
    [InlineData("x^2+2x+1", "x^2 + 2x + 1", true)]
    [InlineData("1000", @"1\!000", true)]
    [InlineData(@"\infty", @"\infty", true)]
    [InlineData("4", "5", false)]
    [InlineData(@"\frac{1}{3}", "0.333", false)]
    [InlineData("1000", "1,000", false)]                   // commas stay
    [InlineData("(A)", @"\text{(A)}", false)]              // \text{ without a space is kept
    [InlineData(@"\pi", "3.14", false)]
    [InlineData(@"\frac{a}{b}", "a/b", false)]             // a/b becomes \frac only for integers
    [InlineData("(1,2)", @"(1,2) \text{ and } (3,4)", true)] // everything after the first "\text{ " goes
    [InlineData("a b", @"\text{ a } \text{ b }", false)]   // two units: the reference code fails, raw strings compared
    [InlineData("", "", true)]
    public void Boxed_answers_are_equivalent_as_hendrycks_math_decides(string reference, string predicted, bool equivalent) =>
        Assert.Equal(equivalent, MathAnswers.Equivalent(predicted, reference));

    [Theory]
    [InlineData(@"so the answer is $\boxed{\frac{1}{2}}$.", @"\frac{1}{2}")]
    [InlineData(@"$\boxed{\left(\frac{1}{2}, 3\right)}$", @"\left(\frac{1}{2}, 3\right)")]
    [InlineData(@"first $\boxed{2}$, then $\boxed{\{1, 2\}}$", @"\{1, 2\}")]
    [InlineData(@"The area is \fbox{7}.", "7")]
    [InlineData(@"hence \boxed 5$ units", "5")]
    [InlineData(@"\boxed{3", null)]
    [InlineData("no answer here", null)]
    public void The_last_boxed_answer_is_found_with_its_nested_braces(string text, string? expected) =>
        Assert.Equal(expected, MathAnswers.LastBoxed(text));

    [Theory]
    [InlineData(@"Final Answer: The final answer is $\frac{3}{4}$. I hope it is correct.", @"\frac{3}{4}")]
    [InlineData(@"We get $x=2$, so $\boxed{2}$. The final answer is 3.", "2")] // a boxed answer wins
    [InlineData("The final answer is 12", "12")]
    [InlineData("I do not know.", "")]
    public void A_generations_answer_is_its_last_box_else_its_final_answer_sentence(string generated, string expected) =>
        Assert.Equal(expected, MathAnswers.Predicted(generated));

    [Theory]
    [InlineData("She pays 3 * 24 = 72 dollars.\n#### 72", "72")]
    [InlineData("The total is 1,234 apples.", "1234")]
    [InlineData("It costs $18 in all.", "18")]
    [InlineData("The change is -3.5 degrees.", "-3.5")]
    [InlineData("#### 1,000\nQuestion: next", "1000")]
    [InlineData("no number", "no number")]
    public void Gsm8k_answers_are_the_marked_number_else_the_last(string generated, string expected) =>
        Assert.Equal(expected, AnswerExtraction.Predicted(generated));

    [Theory]
    [InlineData("3 * 24 = 72 dollars.\n#### 72", "72", "72")]
    [InlineData("The answer is 18.", "[invalid]", "18")]         // no "#### ": strict fails, flexible takes the last number
    [InlineData("#### 5\nso 6 in all", "5", "6")]               // strict takes the mark, flexible the last number
    [InlineData("It costs $1,200.", "[invalid]", "1200")]
    [InlineData("3 + 4 = 7", "[invalid]", "7")]                 // single digits through the second group
    [InlineData("#### -3.5", "-3.5", "-3.5")]
    [InlineData("no numbers at all", "[invalid]", "[invalid]")]
    public void Gsm8k_strict_and_flexible_filters_match_the_harness(string generated, string strict, string flexible)
    {
        Assert.Equal(strict, AnswerExtraction.StrictMatch(generated));
        Assert.Equal(flexible, AnswerExtraction.FlexibleExtract(generated));
    }

    [Fact]
    public void A_MATH_item_takes_its_reference_from_the_solutions_box()
    {
        var record = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(
            """{"problem": "What is $1+1$?", "solution": "We add: $1+1=\\boxed{2}$.", "level": "Level 1", "type": "Algebra"}""")!;
        var layout = TaskLayouts.Recognise(record, "math.jsonl");
        Assert.Equal("math", layout.Name);
        var item = Assert.IsType<GenerationItem>(TaskLayouts.Build(layout, [record], "math.jsonl")[0]);
        Assert.Equal("Problem:\nWhat is $1+1$?\n\nSolution:", item.Prompt);
        Assert.Equal("2", item.Answer);
        var unboxed = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse("""{"problem": "p", "solution": "no box"}""")!;
        Assert.Contains("boxed", Assert.Throws<UserErrorException>(() => TaskLayouts.Build(layout, [unboxed], "math.jsonl")).Message);
    }
}
