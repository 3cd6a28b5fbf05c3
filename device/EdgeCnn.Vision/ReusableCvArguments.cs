using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// Long-lived native cv::_InputArray and cv::_OutputArray handles for one <see cref="Mat"/>. OpenCvSharp's Cv2
/// functions wrap every Mat argument in new managed wrappers and dispose the output wrapper after each call, which
/// costs about 200 bytes of garbage per call; a frame loop calls OpenCV through these handles instead.
/// </summary>
/// <remarks>The handles refer to the cv::Mat object, not its pixels, so they stay valid when OpenCV reallocates it.</remarks>
internal sealed class ReusableCvArguments : IDisposable
{
    private IntPtr _input;
    private IntPtr _output;

    public ReusableCvArguments(Mat mat)
    {
        Mat = mat;
        (_input, _output) = AllocationFreeCv.NewArguments(mat);
    }

    public Mat Mat { get; }

    public IntPtr Input => _input;

    public IntPtr Output => _output;

    public void Dispose()
    {
        AllocationFreeCv.DeleteArguments(_input, _output);
        _input = _output = IntPtr.Zero;
    }
}
