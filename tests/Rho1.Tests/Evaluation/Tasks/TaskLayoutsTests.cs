// Each layout turns its fields into the harness's prompt template exactly; unknown layouts and bad items are refused by name.
using System.Text.Json.Nodes;
using Rho1.Evaluation.Tasks;

namespace Rho1.Tests.Evaluation.Tasks;

public class TaskLayoutsTests
{
    static TaskItem One(string json)
    {
        var record = (JsonObject)JsonNode.Parse(json)!;
        var layout = TaskLayouts.Recognise(record, "t.jsonl");
        return TaskLayouts.Build(layout, [record], "t.jsonl")[0];
    }

    [Fact]
    public void Generic_choices_are_appended_exactly_as_written()
    {
        var item = (ChoiceItem)One("""{"context": "2 + 2 =", "choices": [" 4", "5"], "gold": 0}""");
        Assert.Equal(["2 + 2 =", "2 + 2 ="], item.Contexts);
        Assert.Equal([" 4", "5"], item.Continuations);
        Assert.Equal("2 + 2 = 4", item.Example);
    }

    [Fact]
    public void HellaSwag_is_preprocessed_as_the_harness_does()
    {
        var item = (ChoiceItem)One("""
            {"activity_label": "Removing ice from car", "ctx_a": "Then, the man writes over the snow [title] covering the window.", "ctx_b": "a person", "ctx": "ignored",
             "endings": [" walks [step] away.", "stands  still."], "label": "1"}
            """);
        Assert.Equal("Removing ice from car: Then, the man writes over the snow. covering the window. A person", item.Contexts[0]);
        Assert.Equal([" walks away.", " stands still."], item.Continuations);
        Assert.Equal(1, item.Gold);
    }

    [Fact]
    public void Arc_gold_is_the_answer_keys_label()
    {
        var item = (ChoiceItem)One("""{"id": "x", "question": "Which is a gas?", "choices": {"text": ["ice", "steam", "rock"], "label": ["A", "B", "C"]}, "answerKey": "B"}""");
        Assert.Equal("Question: Which is a gas?\nAnswer:", item.Contexts[1]);
        Assert.Equal(" steam", item.Continuations[1]);
        Assert.Equal(1, item.Gold);
    }

    [Fact]
    public void Piqa_BoolQ_and_Gsm8k_use_the_harness_templates()
    {
        var piqa = (ChoiceItem)One("""{"goal": "Open a jar", "sol1": "twist the lid", "sol2": "eat the lid", "label": 0}""");
        Assert.Equal("Question: Open a jar\nAnswer: twist the lid", piqa.Example);
        var boolq = (ChoiceItem)One("""{"passage": "Water boils at 100 C.", "question": "does water boil at 100 c", "answer": true}""");
        Assert.Equal("Water boils at 100 C.\nQuestion: does water boil at 100 c?\nAnswer: yes", boolq.Example);
        Assert.Equal(1, ((ChoiceItem)One("""{"passage": "p", "question": "q", "label": 1}""")).Gold);
        var gsm = (GenerationItem)One("""{"question": "Tom has 3 apples and buys 1,200 more. How many?", "answer": "3 + 1200 = 1203\n#### 1,203"}""");
        Assert.Equal("Question: Tom has 3 apples and buys 1,200 more. How many?\nAnswer: 3 + 1200 = 1203\n#### 1,203", gsm.Example);
        Assert.Equal("1203", gsm.Answer);
    }

    [Fact]
    public void An_MMLU_shaped_item_is_multiple_choice_with_lettered_choices_not_a_generation()
    {
        var item = One("""{"question": " Which planet is largest? ", "subject": "astronomy", "choices": ["Mars", "Jupiter", "Venus", "Earth"], "answer": 1}""");
        var mmlu = Assert.IsType<ChoiceItem>(item); // its question and answer fields once made it a GSM8K-style generation
        Assert.Equal("Which planet is largest?\nA. Mars\nB. Jupiter\nC. Venus\nD. Earth\nAnswer:", mmlu.Contexts[0]);
        Assert.Equal([" A", " B", " C", " D"], mmlu.Continuations);
        Assert.Equal(1, mmlu.Gold);
        Assert.Equal("mmlu", TaskLayouts.Recognise((JsonObject)JsonNode.Parse("""{"question": "q", "choices": ["a", "b"], "answer": 0}""")!, "t").Name);
        Assert.Equal("gsm8k", TaskLayouts.Recognise((JsonObject)JsonNode.Parse("""{"question": "q", "answer": "#### 4"}""")!, "t").Name);
    }

    [Fact]
    public void Fields_that_fit_two_layouts_alike_are_refused_unless_a_layout_is_named()
    {
        static JsonObject Record(string json) => (JsonObject)JsonNode.Parse(json)!;
        var both = Record("""{"question": "q", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A", "context": "c", "gold": 0}""");
        var e = Assert.Throws<UserErrorException>(() => TaskLayouts.Recognise(both, "t.jsonl"));
        Assert.Contains("fit the layouts", e.Message);
        Assert.Contains("--layout", e.Message);
        Assert.Equal("arc", TaskLayouts.Recognise(both, "t.jsonl", forced: "arc").Name);
        Assert.Contains("not a layout", Assert.Throws<UserErrorException>(() => TaskLayouts.Recognise(both, "t.jsonl", forced: "mmlu-pro")).Message);
        // A boolean answer is BoolQ's, not GSM8K's; a numeric one with choices is MMLU's.
        Assert.Equal("boolq", TaskLayouts.Recognise(Record("""{"passage": "p", "question": "q", "answer": false}"""), "t").Name);
        Assert.Equal("mmlu", TaskLayouts.Recognise(Record("""{"question": "q", "choices": ["a", "b"], "answer": "1"}"""), "t").Name);
    }

    [Fact]
    public void Winogrande_scores_the_rest_of_the_sentence_after_each_filled_in_option()
    {
        var item = (ChoiceItem)One("""{"sentence": "The trophy did not fit in the suitcase because the _ was too big.", "option1": "trophy", "option2": "suitcase", "answer": "1"}""");
        Assert.Equal(["The trophy did not fit in the suitcase because the trophy", "The trophy did not fit in the suitcase because the suitcase"], item.Contexts);
        Assert.Equal([" was too big.", " was too big."], item.Continuations);
        Assert.Equal(["trophy", "suitcase"], item.Choices);
        Assert.Equal(0, item.Gold);
    }

    [Fact]
    public void An_unknown_layout_names_the_fields_found_and_the_layouts_known()
    {
        var e = Assert.Throws<UserErrorException>(() => One("""{"text": "a", "label": 1}"""));
        Assert.Contains("fields: text, label", e.Message);
        foreach (var layout in TaskLayouts.All)
            Assert.Contains(layout.Name, e.Message);
    }

    [Theory]
    [InlineData("""{"context": "a", "choices": [" b", " c"], "gold": 2}""", "gold 2 is out of range for 2 choices")]
    [InlineData("""{"context": "a", "choices": [" b", " c"], "gold": -1}""", "gold -1 is out of range")]
    [InlineData("""{"context": "a", "choices": [" b"], "gold": 0}""", "fewer than two choices")]
    [InlineData("""{"context": "a", "choices": " b", "gold": 0}""", "\"choices\" is not a list of texts")]
    [InlineData("""{"question": "q", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "E"}""", "answerKey \"E\" is not one of the labels A, B")]
    public void Bad_items_are_refused_naming_the_item(string json, string expected)
    {
        var e = Assert.Throws<UserErrorException>(() => One(json));
        Assert.Contains("t.jsonl item 1", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
